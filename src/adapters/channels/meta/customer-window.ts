import { PlatformRejectedError } from "../../../ports/channel-adapter.js";

/** Meta lets a business answer free-form for 24 hours after the customer's last message. */
export const CUSTOMER_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The customer service window is closed: only a pre-approved template could reach the customer now. */
export class OutsideCustomerWindowError extends PlatformRejectedError {
  readonly reason = "OUTSIDE_CUSTOMER_WINDOW";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OutsideCustomerWindowError";
  }
}

/** Refuses before calling the platform when we know the window is closed; unknown lastInboundAt lets the platform decide. */
export function assertInsideCustomerWindow(lastInboundAt: Date | undefined, now: Date, windowMs: number = CUSTOMER_WINDOW_MS): void {
  if (!lastInboundAt) return;
  const age = now.getTime() - lastInboundAt.getTime();
  if (age > windowMs) {
    const hours = Math.floor(age / 3_600_000);
    throw new OutsideCustomerWindowError(
      `the customer's last message is ${hours} h old; free-form replies are allowed for ${Math.round(windowMs / 3_600_000)} h after it (a template message is needed)`,
    );
  }
}
