/**
 * Runs a range of inputs of one target in this process, timing each one and
 * watching memory. Hangs cannot be interrupted here: run.ts runs this in a
 * worker thread and terminates it when an input overruns.
 */
import type { Corpus } from "./corpus.js";
import { type MemoryProbe, type MemoryState, memoryOverLimit, processMemory } from "./memory-check.js";
import { type FuzzInput, isExpectedError, makeInput, runTarget } from "./targets.js";
import { type Stats, failureOf, newStats } from "./stats.js";
import type { Target } from "./names.js";

export interface RunOptions {
  /** An input taking longer than this is a failure (default 1000 ms). */
  readonly timeoutMs?: number;
  /**
   * Resident memory above this, after a full collection, is a failure (heap
   * growth), charged to the input that reached it; then again only 64 MiB
   * higher (default: the RSS when the run starts, corpus loaded, plus 128 MiB).
   */
  readonly maxRssBytes?: number;
  /** Carries the memory check's last flagged level across runs (a worker runs many batches). */
  readonly rssState?: MemoryState;
  /** Where memory is read and collected (default: this process; tests give numbers). */
  readonly memory?: MemoryProbe;
  /** Called before each input (the worker publishes the index for its watchdog). */
  readonly onStart?: (index: number) => void;
}

/** Runs one input: the outcome, classified. */
export async function runOne(input: FuzzInput, stats: Stats, options: RunOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const t0 = performance.now();
  let error: unknown;
  let threw = false;
  try {
    await runTarget(input);
  } catch (e) {
    error = e;
    threw = true;
  }
  const ms = performance.now() - t0;
  stats.inputs++;
  stats.totalMs += ms;
  stats.inputBytes += input.bytes.length;
  if (ms > stats.slowestMs) {
    stats.slowestMs = ms;
    stats.slowestIndex = input.index;
  }
  if (!threw) stats.completed++;
  else if (isExpectedError(input.target, error)) {
    const name = (error as Error).name;
    stats.rejected[name] = (stats.rejected[name] ?? 0) + 1;
  } else stats.failures.push(failureOf(input, "exception", error, ms));
  if (ms > timeoutMs) stats.failures.push(failureOf(input, "slow", `took ${ms.toFixed(0)} ms (limit ${timeoutMs} ms)`, ms));
}

/**
 * Runs every seed of a target once, unmutated and untimed: the first run of a
 * code path pays for JIT compilation and for compiling the device schemas'
 * validators (about a second for `encode`), which is no input's fault.
 */
export async function warmUp(corpus: Corpus, target: Target): Promise<void> {
  const seeds: Uint8Array[] =
    target === "ber"
      ? corpus.miniBer.map((s) => s.bytes)
      : target === "qemu"
        ? corpus.miniMig.map((s) => s.bytes)
        : target === "json"
          ? corpus.json.map((s) => new Uint8Array(Buffer.from(s.text)))
          : corpus.containers![target].map((s) => s.bytes);
  for (const bytes of seeds) {
    for (const validate of target === "json" ? [true, false] : [true]) {
      try {
        await runTarget({ target, seed: 0, index: -1, base: "warm-up", mutations: [], bytes, chunks: [], validate });
      } catch {
        // the seeds are valid; a failure here shows up in the fuzz run itself
      }
    }
  }
}

/** Runs inputs [from, to) of a target. */
export async function runRange(corpus: Corpus, target: Target, seed: number, from: number, to: number, options: RunOptions = {}): Promise<Stats> {
  const stats = newStats(target);
  const memory = options.memory ?? processMemory;
  const maxRss = options.maxRssBytes ?? memory.rss() + 128 * 1024 * 1024;
  const rssState = options.rssState ?? { flagged: maxRss };
  let current: FuzzInput | { target: Target; seed: number; index: number } = { target, seed, index: from };
  const onRejection = (reason: unknown): void => {
    stats.failures.push(failureOf(current, "unhandled-rejection", reason, 0));
  };
  process.on("unhandledRejection", onRejection);
  try {
    for (let index = from; index < to; index++) {
      options.onStart?.(index);
      current = { target, seed, index };
      const input = makeInput(corpus, target, seed, index);
      current = input;
      await runOne(input, stats, options);
      const rss = memoryOverLimit(memory, maxRss, rssState);
      if (rss !== undefined) {
        stats.failures.push(
          failureOf(input, "memory", `resident memory reached ${(rss / 2 ** 20).toFixed(0)} MiB (limit ${(maxRss / 2 ** 20).toFixed(0)} MiB)`, 0),
        );
      }
    }
    // Let rejections of promises dropped by the last input surface.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("unhandledRejection", onRejection);
  }
  return stats;
}
