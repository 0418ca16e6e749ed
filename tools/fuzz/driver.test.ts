/**
 * The fuzz driver's memory check, fed numbers: no test depends on how this
 * process's resident memory moves, nor on time (inputs are given no time limit).
 */
import { describe, expect, it } from "vitest";
import { loadCorpus } from "./corpus.js";
import { runRange } from "./driver.js";
import { type MemoryProbe, REFLAG_STEP, memoryOverLimit } from "./memory-check.js";

const MiB = 2 ** 20;

/** A probe that reads `before` until a collection, then `after`; counts collections. */
function probe(readings: { before: number; after: number }): MemoryProbe & { collections: number } {
  let collected = false;
  return {
    collections: 0,
    rss() {
      return collected ? readings.after : readings.before;
    },
    collect() {
      collected = true;
      this.collections++;
    },
  };
}

describe("memoryOverLimit", () => {
  it("under the limit: no collection, nothing flagged", () => {
    const p = probe({ before: 100 * MiB, after: 100 * MiB });
    expect(memoryOverLimit(p, 200 * MiB, { flagged: 0 })).toBeUndefined();
    expect(p.collections).toBe(0);
  });

  it("over the limit but given back by a full collection: garbage, not a failure", () => {
    const p = probe({ before: 300 * MiB, after: 150 * MiB });
    const state = { flagged: 0 };
    expect(memoryOverLimit(p, 200 * MiB, state)).toBeUndefined();
    expect(p.collections).toBe(1);
    expect(state.flagged).toBe(0);
  });

  it("over the limit after a full collection: flagged with the reading after it, then only a new high counts", () => {
    const state = { flagged: 0 };
    expect(memoryOverLimit(probe({ before: 320 * MiB, after: 300 * MiB }), 200 * MiB, state)).toBe(300 * MiB);
    expect(state.flagged).toBe(300 * MiB + REFLAG_STEP);
    const same = probe({ before: 330 * MiB, after: 330 * MiB });
    expect(memoryOverLimit(same, 200 * MiB, state)).toBeUndefined();
    expect(same.collections).toBe(0);
    expect(memoryOverLimit(probe({ before: 400 * MiB, after: 400 * MiB }), 200 * MiB, state)).toBe(400 * MiB);
  });
});

describe("the fuzz driver's memory check", () => {
  it("charges memory that a full collection does not give back to the input that reached it, once per new high", async () => {
    const corpus = await loadCorpus();
    let index = -1;
    let collections = 0;
    const memory: MemoryProbe = { rss: () => (index >= 5 ? 300 * MiB : 100 * MiB), collect: () => void collections++ };
    const stats = await runRange(corpus, "ber", 1, 0, 20, { maxRssBytes: 200 * MiB, memory, timeoutMs: Infinity, onStart: (i) => (index = i) });
    const flagged = stats.failures.filter((f) => f.kind === "memory");
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({ index: 5, error: "resident memory reached 300 MiB (limit 200 MiB)" });
    expect(collections).toBe(1);
  });

  it("does not flag a run that stays under the limit", async () => {
    const corpus = await loadCorpus();
    const memory: MemoryProbe = { rss: () => 100 * MiB, collect: () => undefined };
    const stats = await runRange(corpus, "ber", 1, 0, 200, { maxRssBytes: 200 * MiB, memory, timeoutMs: Infinity });
    expect(stats.failures).toEqual([]);
  });
});
