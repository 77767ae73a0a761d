export interface PageCursor {
  readonly at: Date;
  readonly id: string;
}
