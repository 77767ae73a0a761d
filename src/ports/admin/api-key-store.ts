export interface ApiKeyRecord {
  readonly id: string;
  /** null: an owner key. */
  readonly businessId: string | null;
  readonly name: string;
  /** Hex SHA-256 of the secret part. */
  readonly secretHash: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface ApiKeyStore {
  insert(key: Omit<ApiKeyRecord, "lastUsedAt" | "revokedAt">): Promise<void>;
  findById(id: string): Promise<ApiKeyRecord | null>;
  /** Every key, or those of one business (null: owner keys). */
  list(businessId?: string | null): Promise<ApiKeyRecord[]>;
  /** Sets revokedAt unless already set; null when there is no such key. */
  revoke(id: string, at: Date): Promise<ApiKeyRecord | null>;
  touch(id: string, at: Date): Promise<void>;
}
