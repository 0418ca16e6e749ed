/** Counts and failures of a campaign, and peak memory: light, shared by the main thread and the workers. */
import { readFileSync } from "node:fs";
import { type Target, describeError, reproduceCommand, signature } from "./names.js";
import type { FuzzInput } from "./targets.js";

export type FailureKind = "exception" | "slow" | "hang" | "memory" | "unhandled-rejection" | "crash";

export interface Failure {
  readonly target: Target;
  readonly seed: number;
  readonly index: number;
  readonly kind: FailureKind;
  readonly error: string;
  readonly stack?: string;
  readonly signature: string;
  readonly ms: number;
  readonly base?: string;
  readonly mutations?: readonly string[];
  readonly reproduce: string;
}

export interface Stats {
  readonly target: Target;
  inputs: number;
  /** Inputs that completed without an error. */
  completed: number;
  /** Inputs rejected with a typed error, by error name. */
  readonly rejected: Record<string, number>;
  readonly failures: Failure[];
  slowestMs: number;
  slowestIndex: number;
  totalMs: number;
  inputBytes: number;
}

export function newStats(target: Target): Stats {
  return { target, inputs: 0, completed: 0, rejected: {}, failures: [], slowestMs: 0, slowestIndex: -1, totalMs: 0, inputBytes: 0 };
}

export function mergeStats(into: Stats, from: Stats): void {
  into.inputs += from.inputs;
  into.completed += from.completed;
  for (const [k, v] of Object.entries(from.rejected)) into.rejected[k] = (into.rejected[k] ?? 0) + v;
  into.failures.push(...from.failures);
  if (from.slowestMs > into.slowestMs) {
    into.slowestMs = from.slowestMs;
    into.slowestIndex = from.slowestIndex;
  }
  into.totalMs += from.totalMs;
  into.inputBytes += from.inputBytes;
}

export function failureOf(input: Pick<FuzzInput, "target" | "seed" | "index"> & Partial<FuzzInput>, kind: FailureKind, error: unknown, ms: number): Failure {
  return {
    target: input.target,
    seed: input.seed,
    index: input.index,
    kind,
    error: kind === "exception" || kind === "unhandled-rejection" ? describeError(error) : String(error),
    ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
    signature: kind === "exception" || kind === "unhandled-rejection" ? signature(error) : kind,
    ms,
    ...(input.base ? { base: input.base } : {}),
    ...(input.mutations ? { mutations: input.mutations } : {}),
    reproduce: reproduceCommand(input.target, input.seed, input.index),
  };
}

/** Peak resident memory of this process (VmHWM), in bytes. */
export function peakRssBytes(): number {
  try {
    const text = readFileSync("/proc/self/status", "utf8");
    const m = /VmHWM:\s+(\d+) kB/.exec(text);
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
