/**
 * The fuzz driver's memory check: resident memory above a limit, still
 * above it after a full garbage collection, is a failure, charged to the
 * input that reached it; after that, only a new high 64 MiB further up
 * counts again. Memory is judged after a collection so the check counts what
 * inputs leave behind, not garbage the collector has not reached yet (which,
 * near the limit, flagged inputs or not from run to run). The reading and the
 * collection come through a MemoryProbe, so tests feed the check numbers
 * instead of depending on how this process's memory happens to move.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface MemoryProbe {
  /** Resident memory now, in bytes. */
  rss(): number;
  /** A full garbage collection. */
  collect(): void;
}

/** Across runs (a worker runs many batches): the level above which memory counts again. */
export interface MemoryState {
  flagged: number;
}

/** How much higher than a flagged level memory must reach to be flagged again. */
export const REFLAG_STEP = 64 * 1024 * 1024;

let gc: (() => void) | undefined;

/** This process: its resident memory and V8's full collection (exposed on first use). */
export const processMemory: MemoryProbe = {
  rss: () => process.memoryUsage.rss(),
  collect: () => {
    if (gc === undefined) {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as () => void;
    }
    gc();
  },
};

/**
 * The resident bytes to report when memory is over `limit` (and over the last
 * flagged level) even after a full collection, else undefined. Flagging
 * raises `state.flagged`.
 */
export function memoryOverLimit(probe: MemoryProbe, limit: number, state: MemoryState): number | undefined {
  const bar = Math.max(limit, state.flagged);
  if (probe.rss() <= bar) return undefined;
  probe.collect();
  const rss = probe.rss();
  if (rss <= bar) return undefined;
  state.flagged = rss + REFLAG_STEP;
  return rss;
}
