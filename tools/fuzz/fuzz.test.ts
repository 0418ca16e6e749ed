/**
 * The CI-sized fuzz run: 20,000 inputs per target (5,000 for compressed, a
 * process per input) with a fixed seed, in this
 * process (the campaign runner, run.ts, adds worker threads and a hang
 * watchdog). Each input must complete or throw one of the project's typed
 * errors, within 1 s. A failure prints the command that reproduces it.
 */
import { describe, expect, it } from "vitest";
import { loadCorpus } from "./corpus.js";
import { runRange, warmUp } from "./driver.js";
import { TARGETS } from "./names.js";
import { peakRssBytes } from "./stats.js";

const SEED = 20240601;
const INPUTS = Number(process.env["QBER_FUZZ_INPUTS"] ?? 20_000);

/** The compressed target starts a decompressor process per input: a quarter as many keeps CI's run short. */
const countFor = (target: string): number => (target === "compressed" ? Math.ceil(INPUTS / 4) : INPUTS);

describe("fuzz (CI-sized)", () => {
  for (const target of TARGETS) {
    const count = countFor(target);
    it(`${target}: ${count} mutated inputs, seed ${SEED}`, async () => {
      const corpus = await loadCorpus();
      await warmUp(corpus, target);
      const t0 = performance.now();
      // The memory check is on growth (128 MiB) past what the corpus and the test runner take.
      const stats = await runRange(corpus, target, SEED, 0, count, { timeoutMs: 1000 });
      const seconds = (performance.now() - t0) / 1000;
      console.log(
        `fuzz ${target}: ${stats.inputs} inputs in ${seconds.toFixed(1)} s, ${stats.completed} completed, rejected ${JSON.stringify(stats.rejected)}, ` +
          `slowest ${stats.slowestMs.toFixed(1)} ms (index ${stats.slowestIndex}), peak RSS ${(peakRssBytes() / 2 ** 20).toFixed(0)} MiB`,
      );
      const report = stats.failures.map((f) => `${f.kind}: ${f.error}\n  ${f.reproduce}\n  ${f.stack?.split("\n").slice(1, 4).join("\n  ") ?? ""}`);
      expect(report).toEqual([]);
      expect(stats.inputs).toBe(count);
      // Both outcomes are exercised: some inputs still decode, most are rejected.
      expect(stats.completed).toBeGreaterThan(0);
    });
  }
});
