import { UnavailableError } from "../../domain/errors.js";

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EPIPE", "57P01", "57P03", "53300"]);

/** True for errors that mean "the database could not be reached", as opposed to a bad query. */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const err = e as {
      code?: unknown;
      message?: unknown;
      kind?: unknown;
      name?: unknown;
      meta?: { driverAdapterError?: { cause?: { kind?: unknown } } };
    };
    // Raw queries report it as P2010 with the driver adapter's error inside.
    const adapterKind = err.meta?.driverAdapterError?.cause?.kind;
    if (adapterKind === "DatabaseNotReachable" || adapterKind === "ConnectionClosed" || adapterKind === "SocketTimeout") return true;
    if (typeof err.code === "string" && (CONNECTION_CODES.has(err.code) || err.code === "P1001" || err.code === "P1017")) return true;
    if (err.kind === "DatabaseNotReachable" || err.kind === "ConnectionClosed" || err.kind === "SocketTimeout") return true;
    if (
      typeof err.message === "string" &&
      /connect(ion)? (timeout|terminated|refused)|Connection terminated|ECONNREFUSED|timeout exceeded when trying to connect/i.test(err.message)
    )
      return true;
  }
  return false;
}

/** Runs a database call, turning "unreachable" into UnavailableError (503) and leaving real bugs alone. */
export async function withDatabase<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isDatabaseUnreachable(error))
      throw new UnavailableError("DATABASE_UNAVAILABLE", "the database is unreachable; retry later", { cause: error });
    throw error;
  }
}
