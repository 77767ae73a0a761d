import { describe, expect, it } from "vitest";
import { mergeResults } from "../../bench/support/merge-results.js";
import {
  cpuLabel,
  evaluatedEntry,
  latencyEntry,
  pairedRounds,
  speedEntry,
  VS_NOTE,
  vsTable,
  type VsEntry,
  type VsLlamaServer,
} from "../../bench/support/vs-llama-server.js";

const load = { start: "1.00 1.00 1.00 1/100 1", end: "2.00 1.00 1.00 1/100 2" };
const common = (section: number, model = "random-1024") => ({
  section,
  figure: "f",
  model,
  width: model === "tiny" ? 64 : 1024,
  threads: 1,
  loadavg: load,
});

function run(sections: number[], entries: Record<string, VsEntry>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const vs: VsLlamaServer = { note: VS_NOTE, peerSettings: Object.fromEntries(sections.map((s) => [String(s), `llama-server for ${s}`])), entries };
  return {
    command: "npm run bench",
    startedAt: "t",
    quick: false,
    sections,
    machine: {},
    targets: [],
    cpu: {},
    durationSec: 1,
    vsLlamaServer: vs,
    ...extra,
  };
}

describe("bench vsLlamaServer", () => {
  it("orients every ratio so that above 1 is better for ours, and compares it with the target", () => {
    const faster = speedEntry(common(3), 150, 100, "tok/s");
    expect(faster).toMatchObject({ ratio: 1.5, met: true, ours: 150, llamaServer: 100, target: ">= 1.0x", width: 1024, loadavg: load });
    expect(speedEntry(common(3), 80, 100, "tok/s")).toMatchObject({ ratio: 0.8, met: false });
    // TTFT: llama-server ms / ours ms; the evicting turn's target is 0.9.
    expect(latencyEntry(common(7), 50, 100)).toMatchObject({ ratio: 2, met: true, unit: "ms" });
    expect(latencyEntry(common(7), 105, 100, 0.9)).toMatchObject({ ratio: 0.95, met: true, target: ">= 0.9x" });
    expect(latencyEntry(common(7), 120, 100, 0.9)).toMatchObject({ ratio: 0.83, met: false });
    // Evaluated tokens: llama-server / ours, > 1 when ours evaluates fewer.
    expect(evaluatedEntry(common(1), 1000, 4000, "fewer", true)).toMatchObject({
      ratio: 4,
      ratioIs: expect.stringContaining("ours evaluates fewer"),
    });
    expect(Date.parse(faster.measuredAt)).not.toBeNaN();
  });

  it("a section run again with --merge replaces that section's entries and keeps the others'", () => {
    const first = mergeResults(
      {},
      run(
        [1, 3, 7],
        {
          "1:ttftAfterFirst10:tiny": latencyEntry(common(1, "tiny"), 40, 30),
          "3:tokensPerSec:c2:t1:random-1024": speedEntry(common(3), 90, 100, "tok/s"),
          "3:tokensPerSec:c8:t1:random-1024": speedEntry(common(3), 90, 100, "tok/s"),
          "7:returningTtft:random-1024": latencyEntry(common(7), 60, 70),
        },
        { tokensPerSec: { "1": 1 } },
      ),
    );
    const second = mergeResults(
      first,
      run([3], { "3:tokensPerSec:c2:t1:random-1024": speedEntry(common(3), 120, 100, "tok/s") }, { tokensPerSec: { "1": 2 } }),
    );
    const vs = second.vsLlamaServer as VsLlamaServer;
    expect(Object.keys(vs.entries).sort()).toEqual(["1:ttftAfterFirst10:tiny", "3:tokensPerSec:c2:t1:random-1024", "7:returningTtft:random-1024"]);
    expect(vs.entries["3:tokensPerSec:c2:t1:random-1024"]).toMatchObject({ ratio: 1.2, met: true });
    expect(vs.peerSettings).toEqual({ "1": "llama-server for 1", "3": "llama-server for 3", "7": "llama-server for 7" });
    expect(second.tokensPerSec).toEqual({ "1": 2 });
    expect((second.mergedRuns as unknown[]).length).toBe(2);
    // --only 2 reruns the conversations of section 1 too.
    const third = mergeResults(second, run([2], {}));
    expect(Object.keys((third.vsLlamaServer as VsLlamaServer).entries).sort()).toEqual([
      "3:tokensPerSec:c2:t1:random-1024",
      "7:returningTtft:random-1024",
    ]);
  });

  it("a section run again on another model keeps the first model's entries: the 2,048-wide run beside the 1,024-wide one", () => {
    const first = mergeResults({}, run([3], { "3:tokensPerSec:c1:t1:random-1024": speedEntry(common(3), 90, 100, "tok/s") }));
    const second = mergeResults(first, run([3], { "3:tokensPerSec:c1:t1:random-2048": speedEntry(common(3, "random-2048"), 50, 40, "tok/s") }));
    expect(Object.keys((second.vsLlamaServer as VsLlamaServer).entries).sort()).toEqual([
      "3:tokensPerSec:c1:t1:random-1024",
      "3:tokensPerSec:c1:t1:random-2048",
    ]);
  });

  it("a file from before the vsLlamaServer entries (section 9's old shape) starts afresh", () => {
    const merged = mergeResults(
      { vsLlamaServer: { note: "old", tiny: { embedded: {} } } },
      run([7], { "7:returningTtft:random-1024": latencyEntry(common(7), 60, 70) }),
    );
    expect(merged.vsLlamaServer).toMatchObject({ note: VS_NOTE, entries: { "7:returningTtft:random-1024": { section: 7, ratio: 1.17 } } });
    expect((merged.vsLlamaServer as Record<string, unknown>).tiny).toBeUndefined();
  });
  it("pairs section 3's rounds as they ran (ours' round i, then llama-server's) over the rounds both ran", () => {
    expect(pairedRounds([100, 90, 110], [100, 100, 100, 95])).toEqual({ n: 3, min: 0.9, median: 1, max: 1.1 });
    expect(pairedRounds([100, 80], [100, 100])).toEqual({ n: 2, min: 0.8, median: 0.9, max: 1 });
    expect(pairedRounds([], [100])).toBeUndefined();
  });

  it("records the machine of each entry and says so when merged entries come from more than one", () => {
    const here = speedEntry(common(3), 99, 100, "tok/s");
    expect(here.cpu).toBe(cpuLabel());
    const elsewhere: VsEntry = { ...speedEntry(common(1), 100, 100, "tok/s"), cpu: "Another CPU x 64" };
    const one = vsTable({ note: VS_NOTE, peerSettings: {}, entries: { a: here } });
    expect(one).not.toMatch(/more than one machine/);
    expect(vsTable({ note: VS_NOTE, peerSettings: {}, entries: { a: here, b: elsewhere } })).toMatch(/more than one machine: .*Another CPU x 64/);
  });
});
