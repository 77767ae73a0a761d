// A change to the live persona (save, roll back, make live) that the owner confirms when it switches rules off.
import { apiError } from "./api.js";
import { h } from "./dom.js";
import { ask, weakeningList } from "./persona-dialog.js";

/**
 * Calls send(confirmWeakenings); on 409 PERSONA_WEAKENED shows what the agent would stop doing and,
 * once confirmed, sends again with those keys. Resolves to send's result, or null when the owner
 * keeps editing instead. `confirmed`: keys the owner already accepted (from a diff shown before).
 */
export async function sendConfirmed<T>(
  send: (confirmWeakenings: string[]) => Promise<T>,
  { verb, confirm, cancel, confirmed = [] }: { verb: string; confirm: string; cancel: string; confirmed?: readonly string[] },
): Promise<T | null> {
  let keys = [...confirmed];
  for (;;) {
    try {
      return await send(keys);
    } catch (thrown) {
      const error = apiError(thrown);
      if (error.code !== "PERSONA_WEAKENED" || !Array.isArray(error.details.weakenings)) throw thrown;
      const weakenings = error.details.weakenings;
      if (!weakenings) throw thrown;
      if (weakenings.every((w) => keys.includes(w.key))) throw thrown;
      const answer = await ask({
        id: "confirm-weakening",
        title: "This switches off some of the agent's rules",
        body: [
          h("p", {}, `If you ${verb}, the agent will stop doing this:`),
          weakeningList(weakenings),
          h("p", { class: "small muted" }, "You can bring them back later by editing the persona or rolling back."),
        ],
        actions: [
          { label: cancel, value: "cancel" },
          { label: confirm, value: "confirm", danger: true },
        ],
        cancel: "cancel",
      });
      if (answer !== "confirm") return null;
      keys = [...new Set([...keys, ...weakenings.map((w) => w.key)])];
    }
  }
}
