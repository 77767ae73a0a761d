export type KnowledgeKind = "faq" | "document";

/** A business's FAQ entry (title = question, body = answer) or short document, as retrieval reads it. */
export interface KnowledgeEntryText {
  readonly id: string;
  readonly kind: KnowledgeKind;
  readonly title: string;
  readonly body: string;
}

/** Changes whenever an entry of the business is added, edited or deleted. */
export interface KnowledgeStamp {
  readonly count: number;
  readonly latestUpdate: Date | null;
}

/** Worker side: the knowledge of one business, read per turn. */
export interface KnowledgeStore {
  stamp(businessId: string): Promise<KnowledgeStamp>;
  entries(businessId: string): Promise<KnowledgeEntryText[]>;
}
