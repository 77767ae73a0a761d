import type { Logger } from "../../ports/logger.js";
import type { AlertContextReader } from "../../ports/alert-context-reader.js";
import { previewLine, type OwnerAlerts } from "./owner-alerts.js";

/** Ids of the turn the alert is about (a turn job's fields): no text, no addresses. */
export interface TurnRef {
  readonly businessId: string;
  readonly conversationId: string;
  readonly messageId: string;
}

/**
 * The worker's two alerts: a turn ended in a handoff, or a customer wrote where the agent is paused
 * (waiting for a person). A waiting message is alerted once (`firstTime`, a Redis key per message),
 * however often its job runs again (the reconciler re-queues unanswered messages). Fire and forget:
 * a turn never waits for, or fails by, an alert.
 */
export function turnAlerts(deps: { alerts: OwnerAlerts; context: AlertContextReader; firstTime: (key: string) => Promise<boolean>; logger: Logger }) {
  async function send(kind: "handoff" | "waiting", turn: TurnRef): Promise<void> {
    if (!deps.alerts.available) return;
    if (!(await deps.firstTime(`${kind}:${turn.messageId}`))) return;
    const context = await deps.context.load(turn.businessId, turn.conversationId);
    if (!context) return;
    const words = context.customerText ? `“${previewLine(context.customerText)}”` : "New message";
    await deps.alerts.notifyOwners(turn.businessId, {
      kind,
      conversationId: turn.conversationId,
      title: kind === "handoff" ? `${context.businessName}: a customer needs you` : `${context.businessName}: a customer is waiting for you`,
      body: `${context.channelName}: ${words}`,
    });
  }
  const fire = (kind: "handoff" | "waiting", turn: TurnRef) => {
    void send(kind, turn).catch((error: unknown) =>
      deps.logger.warn({ conversationId: turn.conversationId, kind, err: { message: (error as Error).message } }, "owner alert not sent"),
    );
  };
  return {
    handoff: (turn: TurnRef) => fire("handoff", turn),
    waiting: (turn: TurnRef) => fire("waiting", turn),
  };
}
