import { z } from "zod";
import { notFound } from "../../../../app/admin/admin-error.js";
import type { BusinessHoursRecord } from "../../../../ports/admin/hours-store.js";
import {
  DAYS,
  isOpenAt,
  isTimeZone,
  nextClosingAfter,
  nextOpeningAfter,
  parseWeeklyHours,
  weeklyHoursSchema,
} from "../../../../domain/opening-hours/index.js";
import { defineRoute } from "../admin-route.js";
import { businessParams, iso, isoTime, longText } from "../schemas.js";

export const MAX_AWAY_MESSAGE_CHARS = 1000;

const timezone = z.string().max(64).refine(isTimeZone, "must be an IANA time zone, e.g. Europe/Madrid");
const outsideHours = z
  .enum(["answer", "away"])
  .describe("answer: the agent keeps answering when closed; away: it sends the away message once per closed period");

const hoursBody = z.object({
  timezone,
  openingHours: weeklyHoursSchema
    .nullable()
    .describe(
      'Weekly schedule in the business\'s time zone, {"mon": [["09:00","18:00"]], "sat": [["22:00","02:00"]]}; a day left out or [] is closed; an end not after the start runs overnight; null: always open',
    ),
  outsideHours,
  awayMessage: longText(MAX_AWAY_MESSAGE_CHARS)
    .nullable()
    .describe("Sent outside opening hours in away mode; {opens} becomes the next opening time. null: a default text"),
});

const hours = z.object({
  timezone: z.string(),
  openingHours: z.partialRecord(z.enum(DAYS), z.array(z.tuple([z.string(), z.string()]).readonly()).readonly()).nullable(),
  outsideHours,
  awayMessage: z.string().nullable(),
  openNow: z.boolean(),
  nextOpening: isoTime.nullable().describe("When the business next opens; null when always open or never open"),
  nextClosing: isoTime.nullable().describe("While open: when it next closes; null when closed or never closing"),
});

function toJson(record: BusinessHoursRecord, now = new Date()) {
  const parsed = parseWeeklyHours(record.openingHours);
  // A schedule stored some other way that the API would refuse: the worker answers as if open, so say that.
  const schedule = parsed.ok ? parsed.hours : null;
  const openNow = isOpenAt(schedule, record.timezone, now);
  const nextOpening = nextOpeningAfter(schedule, record.timezone, now);
  const nextClosing = openNow ? nextClosingAfter(schedule, record.timezone, now) : null;
  return {
    ...record,
    openingHours: schedule,
    openNow,
    nextOpening: nextOpening ? iso(nextOpening) : null,
    nextClosing: nextClosing ? iso(nextClosing) : null,
  };
}

export const hoursRoutes = [
  defineRoute({
    method: "GET",
    path: "/businesses/:businessId/hours",
    tag: "businesses",
    summary: "Opening hours, what the agent does outside them, and whether the business is open now",
    params: businessParams,
    response: hours,
    errors: [404],
    async handler({ params, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const found = await deps.store.hours.get(params.businessId);
      if (!found) throw notFound("business");
      return toJson(found);
    },
  }),
  defineRoute({
    method: "PUT",
    path: "/businesses/:businessId/hours",
    tag: "businesses",
    summary: "Replace the opening hours, time zone, outside-hours mode and away message",
    params: businessParams,
    body: hoursBody,
    response: hours,
    errors: [404],
    async handler({ params, body, deps, requireBusiness }) {
      await requireBusiness(params.businessId);
      const updated = await deps.store.hours.set(params.businessId, body);
      if (!updated) throw notFound("business");
      return toJson(updated);
    },
  }),
];
