import type { ApiKeyRecord, ApiKeyStore } from "../../ports/admin/api-key-store.js";
import { generateApiKey, sha256Hasher, type SecretHasher } from "./api-key-secret.js";

export interface IssuedApiKey {
  readonly record: ApiKeyRecord;
  /** The full key: give it to the caller once; only its hash is stored. */
  readonly key: string;
}

/** Creates a key for one business, or an owner key (businessId null). The caller checks the business exists. */
export async function issueApiKey(
  store: Pick<ApiKeyStore, "insert">,
  input: { businessId: string | null; name: string },
  options: { hasher?: SecretHasher; now?: Date } = {},
): Promise<IssuedApiKey> {
  const generated = generateApiKey();
  const hasher = options.hasher ?? sha256Hasher;
  const record: ApiKeyRecord = {
    id: generated.id,
    businessId: input.businessId,
    name: input.name,
    secretHash: hasher.hash(generated.secret).toString("hex"),
    createdAt: options.now ?? new Date(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await store.insert(record);
  return { record, key: generated.key };
}
