import { describe, expect, it } from "vitest";
import { loadCorpus } from "./corpus.js";
import { runRange } from "./driver.js";

describe("the fuzz driver's memory check", () => {
  it("flags memory that a full collection does not give back, once per new high", async () => {
    const corpus = await loadCorpus();
    const retained = process.memoryUsage.rss();
    const stats = await runRange(corpus, "ber", 1, 0, 20, { maxRssBytes: retained - 1 });
    const memory = stats.failures.filter((f) => f.kind === "memory");
    expect(memory).toHaveLength(1);
    expect(memory[0]!.error).toMatch(/resident memory reached \d+ MiB/);
  });

  it("does not flag a run that stays under the limit", async () => {
    const corpus = await loadCorpus();
    const stats = await runRange(corpus, "ber", 1, 0, 200, { maxRssBytes: process.memoryUsage.rss() + 256 * 1024 * 1024 });
    expect(stats.failures).toEqual([]);
  });
});
