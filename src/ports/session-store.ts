/** Short-lived sessions shared by every gateway (Redis): an opaque id -> the API key id that opened it. */
export interface SessionStore {
  put(id: string, keyId: string, ttlMs: number): Promise<void>;
  get(id: string): Promise<string | null>;
  delete(id: string): Promise<void>;
}
