import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import type { ConsoleSessions } from "../../../../app/admin/console-sessions.js";
import type { ConsoleSessionRecord } from "../../../../ports/console-session-store.js";
import type { AdminApiDeps } from "../admin-deps.js";
import { defineRoute } from "../admin-route.js";
import { id, iso, isoTime } from "../schemas.js";

// Console sign-ins of a key: who am I, which devices are signed in with my key, sign one out.
// (POST and DELETE /session, which set and clear the cookie, are in ../session-routes.ts.)
const sessionJson = z.object({
  id,
  device: z.string(),
  createdAt: isoTime,
  expiresAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  current: z.boolean(),
});
const toJson = (s: ConsoleSessionRecord, currentId: string | undefined) => ({
  id: s.id,
  device: s.device,
  createdAt: iso(s.createdAt),
  expiresAt: iso(s.expiresAt),
  lastUsedAt: s.lastUsedAt && iso(s.lastUsedAt),
  current: s.id === currentId,
});

function sessionsOf(deps: AdminApiDeps): ConsoleSessions {
  if (!deps.sessions) throw new Error("admin API mounted without console sessions");
  return deps.sessions;
}

const currentSessionId = (caller: object): string | undefined => ("sessionId" in caller ? String(caller.sessionId) : undefined);

export const sessionRoutes = [
  defineRoute({
    method: "GET",
    path: "/session",
    tag: "sign-in",
    summary: "Who is signed in: the key's id and business (null: an owner key), and the console session when signed in with the cookie",
    response: z.object({ keyId: id, businessId: id.nullable(), owner: z.boolean(), session: z.object({ id, expiresAt: isoTime }).nullable() }),
    async handler({ caller }) {
      const session =
        "sessionId" in caller && "expiresAt" in caller ? { id: String(caller.sessionId), expiresAt: iso(caller.expiresAt as Date) } : null;
      return { keyId: caller.keyId, businessId: caller.businessId, owner: caller.businessId === null, session };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/sessions",
    tag: "sign-in",
    summary: "The console sign-ins of the calling key that have not expired or been signed out",
    response: z.object({ items: z.array(sessionJson) }),
    async handler({ caller, deps }) {
      return { items: (await sessionsOf(deps).list(caller.keyId)).map((s) => toJson(s, currentSessionId(caller))) };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/sessions/:sessionId",
    tag: "sign-in",
    summary: "Sign out one console session of the calling key (at once, on every gateway)",
    params: z.object({ sessionId: id }),
    response: null,
    status: 204,
    errors: [404],
    async handler({ caller, params, deps }) {
      if (!(await sessionsOf(deps).revoke(caller.keyId, params.sessionId))) throw notFound("session");
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api-keys/:keyId/sessions",
    tag: "api-keys",
    summary: "The console sign-ins made with a key (revoking the key ends them all)",
    ownerOnly: true,
    params: z.object({ keyId: id }),
    response: z.object({ items: z.array(sessionJson) }),
    errors: [403, 404],
    async handler({ caller, params, deps }) {
      if (!(await deps.store.apiKeys.findById(params.keyId))) throw notFound("API key");
      return { items: (await sessionsOf(deps).list(params.keyId)).map((s) => toJson(s, currentSessionId(caller))) };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/api-keys/:keyId/sessions/:sessionId",
    tag: "api-keys",
    summary: "Sign out one console session of a key",
    ownerOnly: true,
    params: z.object({ keyId: id, sessionId: id }),
    response: null,
    status: 204,
    errors: [403, 404],
    async handler({ params, deps }) {
      if (!(await sessionsOf(deps).revoke(params.keyId, params.sessionId))) throw notFound("session");
    },
  }),
];
