// What every section of the console is to the shell (app.ts): mounted into the view with the
// selected business, destroyed when left; update(param) when only the part after the hash changes.
import type { Business } from "./api.js";

export interface PageContext {
  readonly business: Business;
  readonly businesses: readonly Business[];
  readonly param: string | undefined;
}

export interface Page {
  destroy(): void;
  update?(param: string | undefined): void;
}

export type MountPage = (view: HTMLElement, context: PageContext) => Page;
