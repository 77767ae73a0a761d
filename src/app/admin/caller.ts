/** Who is calling the admin API, as established from their API key. */
export interface Caller {
  readonly keyId: string;
  /** The one business this key may see; null for an owner key (every business). */
  readonly businessId: string | null;
}

export function isOwner(caller: Caller): boolean {
  return caller.businessId === null;
}

/** True when the caller may see this business's data (its own business, or any for an owner key). */
export function canAccessBusiness(caller: Caller, businessId: string): boolean {
  return caller.businessId === null || caller.businessId === businessId;
}
