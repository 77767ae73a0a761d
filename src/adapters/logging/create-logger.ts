import { pino, type Logger as PinoLogger } from "pino";

/**
 * Structured logs with message text, phone numbers and secrets redacted wherever they appear
 * under the usual field names. Library code logs ids and counts only; this is the safety net.
 */
export const REDACTED_PATHS = [
  "text",
  "*.text",
  "body",
  "*.body",
  "phone",
  "*.phone",
  "platformUserId",
  "*.platformUserId",
  "recipientId",
  "*.recipientId",
  "senderId",
  "*.senderId",
  // WhatsApp message ids embed the customer's phone number.
  "platformMessageId",
  "*.platformMessageId",
  "inboundPlatformMessageId",
  "*.inboundPlatformMessageId",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "authorization",
  "*.authorization",
  "headers.authorization",
];

export function createLogger(level: string, name: string, destination?: NodeJS.WritableStream): PinoLogger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" }, base: { pid: process.pid } }, destination ?? process.stdout);
}
