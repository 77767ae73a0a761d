import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import type { BusinessRecord } from "../../../../ports/admin/business-store.js";
import { defineRoute } from "../admin-route.js";
import { businessParams, id, iso, isoTime, label } from "../schemas.js";

const timezone = z.string().max(64).refine(isTimeZone, "must be an IANA time zone, e.g. Europe/Madrid");

const business = z.object({ id, slug: z.string(), name: z.string(), timezone: z.string(), createdAt: isoTime });
const toJson = (b: BusinessRecord) => ({ ...b, createdAt: iso(b.createdAt) });

export const businessRoutes = [
  defineRoute({
    method: "GET",
    path: "/businesses",
    tag: "businesses",
    summary: "List businesses (an owner key sees all; a business key sees its own)",
    response: z.object({ items: z.array(business) }),
    async handler({ caller, deps }) {
      return { items: (await deps.store.businesses.list(caller.businessId)).map(toJson) };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/businesses",
    tag: "businesses",
    summary: "Create a business",
    ownerOnly: true,
    body: z.object({
      slug: z.string().regex(/^[a-z0-9-]{2,60}$/, "2-60 lower-case letters, digits or -"),
      name: label(120),
      timezone: timezone.default("UTC"),
    }),
    response: business,
    status: 201,
    errors: [403, 409],
    async handler({ body, deps }) {
      return toJson(await deps.store.businesses.create(body));
    },
  }),
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId",
    tag: "businesses",
    summary: "Get a business",
    params: businessParams,
    response: business,
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const found = await deps.store.businesses.get(params.businessId);
      if (!found) throw notFound("business");
      return toJson(found);
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/businesses/:businessId",
    tag: "businesses",
    summary: "Rename a business or change its time zone",
    params: businessParams,
    body: z.object({ name: label(120).optional(), timezone: timezone.optional() }),
    response: business,
    errors: [404],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const updated = await deps.store.businesses.update(params.businessId, body);
      if (!updated) throw notFound("business");
      return toJson(updated);
    },
  }),
];

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
