import { setTimeout as sleep } from "node:timers/promises";
import QRCode from "qrcode";
import type { Logger } from "../../../ports/logger.js";
import type { WwebClient } from "./wweb-client.js";

export type PairingStateName = "pairing" | "ready" | "disconnected" | "logged_out";

/** `pairing` without a QR code means "connecting" (a saved session needs no QR). */
export interface PairingState {
  readonly state: PairingStateName;
  /** PNG data URL of the current QR code, while one is waiting to be scanned. */
  readonly qrDataUrl?: string;
  readonly lastDisconnectReason?: string;
}

export interface WwebConnectionOptions {
  readonly logger: Logger;
  /** Told every state change (pairing with its QR, ready, disconnected and why), to store it for the admin. */
  readonly onState?: (state: PairingState) => void;
  /** Where the terminal QR code goes (the one place a console print is wanted). */
  readonly print: (text: string) => void;
  readonly reconnectBaseDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Keeps one WhatsApp Web session connected: pairing by QR (terminal and PNG), and reconnecting
 * with exponential backoff whenever it drops, recording why it dropped.
 */
export class WwebConnection {
  private current: PairingState = { state: "pairing" };
  private loop: Promise<void> | null = null;
  /** A disconnect arrived while a connection attempt was running: go round once more after it. */
  private again = false;
  private failures = 0;
  private started = false;
  private stopped = false;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: WwebClient,
    private readonly o: WwebConnectionOptions,
  ) {
    this.sleep = o.sleep ?? ((ms) => sleep(ms, undefined, { ref: false }));
    client.on("qr", (qr) => void this.onQr(qr));
    client.on("authenticated", () => o.logger.info({}, "whatsapp web authenticated"));
    client.on("auth_failure", () =>
      this.set({ state: "logged_out", lastDisconnectReason: "auth_failure" }, "whatsapp web authentication failed; pair again"),
    );
    client.on("ready", () => {
      this.failures = 0;
      this.set({ state: "ready" }, "whatsapp web ready");
    });
    client.on("disconnected", (reason) => {
      const why = String(reason).slice(0, 100);
      this.set({ state: why === "LOGOUT" ? "logged_out" : "disconnected", lastDisconnectReason: why }, "whatsapp web disconnected");
      this.connect(true);
    });
  }

  pairingState(): PairingState {
    return this.current;
  }

  get ready(): boolean {
    return this.current.state === "ready";
  }

  /** Starts connecting in the background; failures are retried with backoff until stop(). */
  start(): void {
    this.connect(false);
  }

  /** Resolves when no (re)connection attempt is running; for tests and orderly shutdown. */
  async settled(): Promise<void> {
    while (this.loop) await this.loop;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client.destroy().catch(() => undefined);
  }

  /** Stops for good: a linked session is logged out first, so the phone no longer lists this device. */
  async unlink(): Promise<void> {
    const linked = this.ready;
    this.stopped = true;
    if (linked) await this.client.logout().catch(() => undefined);
    await this.client.destroy().catch(() => undefined);
  }

  private connect(afterDelay: boolean): void {
    if (this.stopped) return;
    if (this.loop) {
      this.again ||= afterDelay;
      return;
    }
    this.loop = this.connectLoop(afterDelay).finally(() => {
      this.loop = null;
      if (this.again) {
        this.again = false;
        this.connect(true);
      }
    });
  }

  private async connectLoop(afterDelay: boolean): Promise<void> {
    for (let wait = afterDelay; !this.stopped; wait = true) {
      if (wait) await this.sleep(this.backoff(++this.failures));
      if (this.stopped) return;
      try {
        // The library destroys its browser on most disconnects itself; destroy() is idempotent.
        if (this.started) await this.client.destroy().catch(() => undefined);
        this.started = true;
        await this.client.initialize();
        return;
      } catch (error) {
        const reason = `initialize failed: ${(error as Error)?.name ?? "Error"}`;
        this.set(
          { state: this.current.state === "logged_out" ? "logged_out" : "disconnected", lastDisconnectReason: reason },
          "whatsapp web could not start; retrying",
        );
      }
    }
  }

  private backoff(failures: number): number {
    const base = this.o.reconnectBaseDelayMs ?? 2000;
    return Math.min(this.o.reconnectMaxDelayMs ?? 300_000, base * 2 ** Math.max(0, failures - 1));
  }

  private async onQr(qr: string): Promise<void> {
    try {
      const [dataUrl, terminal] = await Promise.all([QRCode.toDataURL(qr), QRCode.toString(qr, { type: "terminal", small: true })]);
      this.set({ state: "pairing", qrDataUrl: dataUrl, ...this.reason() }, "whatsapp web waiting for a QR scan");
      this.o.print(terminal);
    } catch (error) {
      this.o.logger.warn({ err: error }, "could not render the pairing QR code");
    }
  }

  private reason(): { lastDisconnectReason?: string } {
    return this.current.lastDisconnectReason ? { lastDisconnectReason: this.current.lastDisconnectReason } : {};
  }

  private set(next: PairingState, message: string): void {
    const keep = next.lastDisconnectReason ?? this.current.lastDisconnectReason;
    this.current = { ...next, ...(keep ? { lastDisconnectReason: keep } : {}) };
    this.o.onState?.(this.current);
    const level = next.state === "ready" || next.state === "pairing" ? "info" : "warn";
    this.o.logger[level]({ state: next.state, reason: next.lastDisconnectReason }, message);
  }
}
