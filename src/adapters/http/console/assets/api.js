// The admin API client. Signing in exchanges the API key once for a session cookie (HttpOnly: no
// script here can read it); every call after that, in this tab or a new one, sends the cookie.

const BUSINESS_ITEM = "parlor-console-business";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details ?? {};
  }
}

/** The business picked last, kept for new tabs (the sign-in itself is the cookie). */
export const session = {
  businessId: () => localStorage.getItem(BUSINESS_ITEM),
  setBusinessId: (id) => localStorage.setItem(BUSINESS_ITEM, id),
  clear() {
    localStorage.removeItem(BUSINESS_ITEM);
  },
};

let unauthorized = () => {};
/** Called when the sign-in stops working (signed out elsewhere, expired, key revoked): the app shows the sign-in. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

async function call(url, { method = "GET", body, headers = {} } = {}) {
  const sent = { ...headers };
  if (body !== undefined) sent["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "NETWORK", "Can't reach the server. Check your connection and try again.");
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (res.ok) return data;
  throw new ApiError(res.status, data?.error?.code ?? `HTTP_${res.status}`, readable(res.status, data?.error?.message), data?.error?.details);
}

/**
 * fetch(/api/admin + path) signed in by the cookie; resolves to the JSON body (null for 204),
 * rejects with an ApiError whose message a person can read.
 */
export async function api(path, options = {}) {
  try {
    return await call(`/api/admin${path}`, options);
  } catch (error) {
    if (error.status === 401) unauthorized(error);
    throw error;
  }
}

/** Exchanges the key for the session cookie; resolves to who signed in ({keyId, businessId, owner}). */
export function signIn(key) {
  return call("/api/admin/session", { method: "POST", headers: { authorization: `Bearer ${key}` } });
}

/** Who is signed in on this browser; rejects with status 401 when nobody is. */
export function whoAmI() {
  return call("/api/admin/session");
}

/** Ends this browser's session on the server and drops the cookie. */
export function signOut() {
  return call("/api/admin/session", { method: "DELETE" });
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
