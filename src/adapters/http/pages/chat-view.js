// What the chat page shows: the business's look, the AI notice, message bubbles with their times.

/** "14:05" today, "Tue 14:05" this week, "3 Dec, 14:05" before; the full date and time on hover. */
export function timeLabel(date, now = new Date()) {
  const time = date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  const days = (startOfDay(now) - startOfDay(date)) / 86_400_000;
  if (days < 1) return time;
  if (days < 7) return `${date.toLocaleDateString([], { weekday: "short" })} ${time}`;
  return `${date.toLocaleDateString([], { day: "numeric", month: "short" })}, ${time}`;
}
const startOfDay = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();

/** Text on the business's colour: white on dark colours, near-black on light ones (WCAG relative luminance). */
export function textOn(hex) {
  const [r, g, b] = [1, 3, 5]
    .map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.4 ? "#1d1d1b" : "#ffffff";
}

/** Said before the first message: the persona's own line, or one that names the agent as an AI. */
export function aiNotice(profile) {
  if (profile.disclosure) return profile.disclosure;
  const who = profile.agentName ? `${profile.agentName}, an AI assistant` : "an AI assistant";
  return `You're chatting with ${who} for ${profile.businessName}. A person from the team can take over when needed.`;
}

/** Applies the business's name, agent, colour and logo to the page. */
export function applyProfile(profile, els) {
  document.title = profile.agentName ? `Chat with ${profile.agentName} · ${profile.businessName}` : `Chat · ${profile.businessName}`;
  els.business.textContent = profile.businessName;
  els.agent.textContent = profile.agentName ?? "";
  if (/^#[0-9a-f]{6}$/i.test(profile.color ?? "")) {
    document.documentElement.style.setProperty("--tint", profile.color);
    document.documentElement.style.setProperty("--on-tint", textOn(profile.color));
  }
  if (profile.logoUrl) {
    els.logo.src = profile.logoUrl;
    els.logo.alt = `${profile.businessName} logo`;
    els.logo.hidden = false;
    els.logo.addEventListener("error", () => (els.logo.hidden = true), { once: true });
  }
  els.notice.textContent = aiNotice(profile);
  els.notice.hidden = false;
}

/** One message: its bubble and, under it, its time. */
export function messageElement() {
  const el = document.createElement("div");
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  const time = document.createElement("time");
  el.append(bubble, time);
  return el;
}

export function fillMessage(el, m) {
  el.className = `msg ${m.direction}${m.pending ? " pending" : ""}${m.failed ? " failed" : ""}`;
  el.querySelector(".bubble").textContent = m.text;
  const at = m.createdAt ? new Date(m.createdAt) : new Date();
  const time = el.querySelector("time");
  time.dateTime = at.toISOString();
  time.textContent = m.pending ? "sending…" : timeLabel(at);
  time.title = at.toLocaleString([], { dateStyle: "full", timeStyle: "short" });
}
