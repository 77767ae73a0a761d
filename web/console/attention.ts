// What needs a person, at a glance: the tab's title counts the conversations waiting for one (open
// handoffs, and paused conversations with unanswered customer messages), and an optional sound
// plays when that count goes up. Refreshed on live events, on alerts from the service worker, and
// every minute.
import { api, type Business, path, type Reply } from "./api.js";

const SOUND_ITEM = "parlor-console-sound";
const BASE_TITLE = "Parlor console";
const REFRESH_MS = 60_000;

export const sound = {
  on: () => localStorage.getItem(SOUND_ITEM) === "on",
  set(on: boolean) {
    localStorage.setItem(SOUND_ITEM, on ? "on" : "off");
    if (on) chime(); // also unlocks audio for this tab (it needs a click first)
  },
};

let audio: AudioContext | null = null;
function chime() {
  try {
    audio ??= new AudioContext();
    const now = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.2, now + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.18);
      osc.stop(now + i * 0.18 + 0.32);
    }
  } catch {
    // no audio here: the title still counts
  }
}

/** Starts counting for one business; returns {refresh, stop}. */
export function watchAttention(business: Pick<Business, "id">): { refresh(): Promise<void>; stop(): void } {
  const base = path`/businesses/${business.id}`;
  let count: number | null = null;
  let stopped = false;
  let pending: Promise<void> | null = null;

  async function refresh(): Promise<void> {
    if (stopped) return;
    pending ??= (async () => {
      try {
        const [handoffs, waiting] = await Promise.all([
          api<Reply<"getBusinessesByBusinessIdHandoffs">>(`${base}/handoffs?status=open&limit=200`),
          api<Reply<"getBusinessesByBusinessIdConversations">>(`${base}/conversations?status=paused&unanswered=true&limit=200`),
        ]);
        if (stopped) return;
        const ids = new Set([...handoffs.items.map((x) => x.conversationId), ...waiting.items.map((x) => x.id)]);
        const next = ids.size;
        if (count !== null && next > count && sound.on()) chime();
        count = next;
        document.title = count > 0 ? `(${count}) ${BASE_TITLE}` : BASE_TITLE;
        document.documentElement.dataset.waiting = String(count);
      } catch {
        // keep the last count; the next refresh tries again
      } finally {
        pending = null;
      }
    })();
    return pending;
  }

  const onMessage = (event: MessageEvent<{ type?: string } | null>) => {
    if (event.data?.type === "parlor-alert") void refresh();
  };
  navigator.serviceWorker?.addEventListener("message", onMessage);
  const source = new EventSource(`/api/admin${base}/events`);
  source.addEventListener("conversation", () => void refresh());
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  void refresh();
  return {
    refresh,
    stop() {
      stopped = true;
      clearInterval(timer);
      source.close();
      navigator.serviceWorker?.removeEventListener("message", onMessage);
      document.title = BASE_TITLE;
      delete document.documentElement.dataset.waiting;
    },
  };
}
