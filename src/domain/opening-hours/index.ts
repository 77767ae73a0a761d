export { isOpenAt, nextClosingAfter, nextOpeningAfter } from "./opening-hours.js";
export {
  DAYS,
  fieldName,
  parseWeeklyHours,
  weeklyHoursSchema,
  type Day,
  type TimeRange,
  type WeeklyHours,
  type WeeklyHoursInput,
} from "./weekly-hours-schema.js";
export { isTimeZone } from "./zoned-time.js";
export { formatOpening, renderAwayMessage, DEFAULT_AWAY_MESSAGE } from "./away-message.js";
