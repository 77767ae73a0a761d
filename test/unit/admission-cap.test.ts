import { describe, expect, it } from "vitest";
import { LimitError } from "../../src/domain/errors.js";
import { AdmissionCap } from "../../src/adapters/http/webchat/admission-cap.js";

/** A queue count read as Redis reads it: the value when the command arrives, answered `delayMs` later. */
function slowCount(delayMs: number) {
  const queued = new Map<string, number>();
  return {
    queued,
    read: (businessId: string) => {
      const value = queued.get(businessId) ?? 0;
      return new Promise<number>((resolve) => setTimeout(() => resolve(value), delayMs));
    },
  };
}

const busy = () => new LimitError("BUSINESS_BUSY", "too many waiting", 30);
/** The cap as the web chat route uses it for a business's queued turns. */
function businessCap(read: (businessId: string) => Promise<number>, max: number) {
  const cap = new AdmissionCap();
  return { admit: (businessId: string) => cap.admit(businessId, () => read(businessId), max, busy) };
}

const outcome = (admit: Promise<() => void>) =>
  admit.then(
    (release) => ({ release }),
    (error: unknown) => ({ error }),
  );

describe("a cap on a stored count, with the posts still being stored counted", () => {
  it("thirty posts checked at once on the same reading: only the cap's worth get in", async () => {
    const count = slowCount(5);
    const cap = businessCap(count.read, 10);
    const results = await Promise.all(Array.from({ length: 30 }, () => outcome(cap.admit("shop-a"))));
    const admitted = results.filter((r) => "release" in r);
    expect(admitted).toHaveLength(10);
    for (const r of results) if ("error" in r) expect(r.error).toBeInstanceOf(LimitError);
    const refused = results.find((r) => "error" in r) as { error: LimitError };
    expect(refused.error.code).toBe("BUSINESS_BUSY");
    expect(refused.error.retryAfterSeconds).toBeGreaterThan(0);
  });

  it("a post queued while another is being checked is counted once it is queued, never missed in between", async () => {
    const count = slowCount(10);
    const cap = businessCap(count.read, 2);
    const first = await cap.admit("shop-a");
    const checking = outcome(cap.admit("shop-a")); // reads the count before the first is queued: 0
    await new Promise((resolve) => setTimeout(resolve, 2));
    count.queued.set("shop-a", 1); // the first is queued and released during that read
    first();
    const second = await checking;
    expect("release" in second).toBe(true);
    // Queue holds 1, the second is in flight: the cap of 2 is reached.
    await expect(cap.admit("shop-a")).rejects.toMatchObject({ code: "BUSINESS_BUSY" });
  });

  it("a released post gives its place back; another business has its own cap", async () => {
    const cap = businessCap(async () => 0, 1);
    const release = await cap.admit("shop-a");
    await expect(cap.admit("shop-a")).rejects.toMatchObject({ code: "BUSINESS_BUSY" });
    await expect(cap.admit("shop-b")).resolves.toBeTypeOf("function");
    release();
    release(); // twice is harmless
    await expect(cap.admit("shop-a")).resolves.toBeTypeOf("function");
  });

  it("the count unreadable: the error is the caller's, and nothing stays admitted", async () => {
    const cap = new AdmissionCap();
    await expect(cap.admit("shop-a", () => Promise.reject(new Error("database down")), 1, busy)).rejects.toThrow("database down");
    await expect(cap.admit("shop-a", async () => 0, 1, busy)).resolves.toBeTypeOf("function");
  });
});
