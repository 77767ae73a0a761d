// The admin API client: the key lives in sessionStorage (this tab only) and goes out as a Bearer header.

const KEY_ITEM = "parlor-console-key";
const BUSINESS_ITEM = "parlor-console-business";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details ?? {};
  }
}

export const session = {
  key: () => sessionStorage.getItem(KEY_ITEM),
  setKey: (key) => sessionStorage.setItem(KEY_ITEM, key),
  businessId: () => sessionStorage.getItem(BUSINESS_ITEM),
  setBusinessId: (id) => sessionStorage.setItem(BUSINESS_ITEM, id),
  clear() {
    sessionStorage.removeItem(KEY_ITEM);
    sessionStorage.removeItem(BUSINESS_ITEM);
  },
};

let unauthorized = () => {};
/** Called when a stored key stops working (revoked): the app signs out with a message. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/**
 * fetch(/api/admin + path) with the key; resolves to the JSON body (null for 204), rejects with an
 * ApiError whose message a person can read. Pass key to try a key that is not stored yet (sign in).
 */
export async function api(path, { method = "GET", body, key } = {}) {
  const headers = { authorization: `Bearer ${key ?? session.key() ?? ""}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(`/api/admin${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
  } catch {
    throw new ApiError(0, "NETWORK", "Can't reach the server. Check your connection and try again.");
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (res.ok) return data;
  const error = new ApiError(res.status, data?.error?.code ?? `HTTP_${res.status}`, readable(res.status, data?.error?.message), data?.error?.details);
  if (res.status === 401 && key === undefined) unauthorized(error);
  throw error;
}

function readable(status, message) {
  if (status === 401) return "This API key was not accepted. Check that you copied the whole key (it starts with pk_).";
  if (status === 403) return "This key is not allowed to do that (it needs an owner key).";
  if (status === 503) return "The server is busy or a service it needs is down. Try again in a moment.";
  if (status >= 500) return "Something went wrong on the server. Try again; if it keeps happening, tell whoever runs Parlor.";
  return message ?? `The server answered with an error (HTTP ${status}).`;
}

/** Paths with their ids escaped: path`/businesses/${id}/personas`. */
export function path(strings, ...values) {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i]) : ""), "");
}
