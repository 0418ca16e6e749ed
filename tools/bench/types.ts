import { readFileSync } from "node:fs";

/** What each benchmark module reports. */
export interface Check {
  readonly name: string;
  readonly value: number;
  /** Goal: value at least this. */
  readonly min?: number;
  /** Goal: value at most this. */
  readonly max?: number;
}

/**
 * A figure set beside another implementation's, for information: how far the
 * project is from it, not a goal it holds (QEMU's C code, say, which a
 * TypeScript port is not required to match).
 */
export interface Comparison {
  readonly name: string;
  readonly value: number;
  /** What the other implementation measured, on the same scale. */
  readonly anchor: number;
  /** Whose figure the anchor is. */
  readonly anchorName: string;
}

export interface BenchResult {
  /** Measured figures, by name (ratios are dimensionless; rates in GB/s; sizes in bytes). */
  readonly figures: Record<string, number>;
  /** Goals the project holds: a missed one fails `npm run bench`. */
  readonly checks: readonly Check[];
  /** Figures beside another implementation's: reported, never pass or fail. */
  readonly comparisons?: readonly Comparison[];
  /** Why a figure is missing (an oracle not installed, say). */
  readonly notes?: readonly string[];
}

export interface BenchOptions {
  /** Fewer repetitions, for a smoke run. */
  readonly quick: boolean;
}

/** Best (smallest) time in ms of `runs` calls of `fn`. */
export async function bestOf(runs: number, fn: () => unknown): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/** Time of one Buffer copy of `bytes` bytes, best of several (the baseline every ratio uses). */
export async function copyBaseline(bytes: number, runs = 7): Promise<number> {
  const src = Buffer.alloc(bytes, 1);
  const dst = Buffer.alloc(bytes);
  return bestOf(runs, () => src.copy(dst));
}

/**
 * This process's peak resident memory. Read from /proc (VmHWM) because
 * getrusage's maxrss of a spawned child also counts the parent's memory at
 * the moment it was forked.
 */
export function peakRssBytes(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS * 1024;
}
