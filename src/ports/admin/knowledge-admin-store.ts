export interface KnowledgeRecord {
  readonly id: string;
  readonly businessId: string;
  readonly kind: "faq" | "document";
  readonly title: string;
  readonly body: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface KnowledgeAdminStore {
  /** Oldest first. */
  list(businessId: string): Promise<KnowledgeRecord[]>;
  count(businessId: string): Promise<number>;
  get(businessId: string, entryId: string): Promise<KnowledgeRecord | null>;
  create(businessId: string, input: { kind: "faq" | "document"; title: string; body: string }): Promise<KnowledgeRecord>;
  update(businessId: string, entryId: string, patch: { title?: string | undefined; body?: string | undefined }): Promise<KnowledgeRecord | null>;
  delete(businessId: string, entryId: string): Promise<boolean>;
}
