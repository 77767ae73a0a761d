import type { EnginesResult } from "../engines.js";
import { ENGINE_LABELS, ENGINE_NAMES, type EngineName } from "./engines-under-test.js";
import { round } from "./stats.js";
import { formatTable } from "./table.js";

export function enginesConversationTable(r: EnginesResult): string {
  const rows: Array<Array<string | number>> = [
    [
      "conversation",
      "engine",
      "turns",
      "prompt tokens",
      "evaluated",
      "evaluated/turn (2..)",
      "share evaluated (2..)",
      "TTFT p50 ms (2..)",
      "reply tokens",
      "load average",
    ],
  ];
  for (const [label, c] of Object.entries(r.conversations)) {
    for (const name of ENGINE_NAMES) {
      const e = c.engines[name];
      rows.push([
        `${label} turns`,
        ENGINE_LABELS[name],
        e.turnsRun,
        e.promptTotal,
        e.evaluatedTotal,
        e.evaluatedPerTurnAfterFirst,
        e.evaluatedShareAfterFirst,
        e.ttftP50AfterFirstMs,
        e.generatedTokens.reduce((a, b) => a + b, 0),
        c.loadavg.start.split(" ").slice(0, 3).join(" "),
      ]);
    }
  }
  return formatTable(rows);
}

export function enginesThroughputTable(r: EnginesResult): string {
  const rows: Array<Array<string | number>> = [["engine", "concurrent", "rounds", "tokens", "wall ms", "tokens/s", "stopped early"]];
  for (const [name, levels] of Object.entries(r.throughput.engines)) {
    for (const l of levels)
      rows.push([ENGINE_LABELS[name as EngineName], l.concurrent, l.rounds, l.generatedTokens, l.wallMs, l.tokensPerSec, l.stoppedEarly]);
  }
  return formatTable(rows);
}

/**
 * Ours ÷ llama-server driven directly (by text), for a script to read. Speed ratios: higher is
 * better for ours (tokens/s ours ÷ peer; TTFT peer ms ÷ ours ms). Evaluated tokens: peer ÷ ours,
 * higher means ours evaluates fewer prompt tokens per turn.
 */
export function vsLlamaServer(r: EnginesResult) {
  const peer: EngineName = "peerText";
  const ofEngine = (ours: EngineName) => {
    const conv = (label: string) => {
      const c = r.conversations[label];
      if (!c) return undefined;
      return {
        evaluatedTokensPeerOverOurs: round(c.engines[peer].evaluatedPerTurnAfterFirst / c.engines[ours].evaluatedPerTurnAfterFirst, 2),
        ttftP50PeerOverOurs: round(c.engines[peer].ttftP50AfterFirstMs / c.engines[ours].ttftP50AfterFirstMs, 2),
        loadavg: c.loadavg,
      };
    };
    const levels = r.throughput.engines[ours] ?? [];
    const peerLevels = r.throughput.engines[peer] ?? [];
    const tokensPerSecOursOverPeer = Object.fromEntries(
      levels.flatMap((l) => {
        const p = peerLevels.find((x) => x.concurrent === l.concurrent);
        return p ? [[String(l.concurrent), round(l.tokensPerSec / p.tokensPerSec, 2)]] : [];
      }),
    );
    return { "10": conv("10"), "60": conv("60"), tokensPerSecOursOverPeer, throughputLoadavg: r.throughput.loadavg };
  };
  return { embedded: ofEngine("embedded"), openai: ofEngine("openai") };
}

export const VS_LLAMA_SERVER_NOTE =
  "ours / llama-server driven directly (/completion, prompt as text, cache_prompt, fixed slot), same GGUF, same threads and per-slot context, same run. " +
  "tokensPerSecOursOverPeer and ttftP50PeerOverOurs: higher is better for ours (> 1: ours faster). " +
  "evaluatedTokensPeerOverOurs: mean prompt tokens evaluated per turn from turn 2, llama-server / ours (> 1: ours evaluates fewer). " +
  "evaluatedTokensRatio10/60 elsewhere in this file are ours vs the stateless naive baseline (whole prompt every turn), not vs llama-server.";
