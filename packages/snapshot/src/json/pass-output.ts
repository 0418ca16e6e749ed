/**
 * Where a writer that may take two passes writes. Both JSON conversions can
 * find out only part way through that a first pass cannot give the result
 * (decode: SecMins that need their raw bytes; encode: definite lengths that
 * need measuring), and then run again. A second pass needs an output that
 * can drop what the first wrote.
 */
import type { ByteSink } from "@qber/core";

export interface PassOutput {
  /**
   * Runs one pass with a fresh sink. What `pass` wrote is kept when it
   * resolves; when it rejects, an output that `discards` keeps nothing of it.
   * (The qber command's atomic output file is one: write to a temporary
   * file, rename on success.)
   */
  write<T>(pass: (sink: ByteSink) => Promise<T>): Promise<T>;
  /** A rejected pass leaves nothing behind (a temporary file, a buffer), so a pass can be redone; false for a pipe or stdout. */
  readonly discards: boolean;
}

/** Ends a pass that is to be dropped; never leaves this module's callers. */
class DroppedPass extends Error {}

/**
 * Runs a pass on `output` that decides at its end whether to keep what it
 * wrote: `pass` returns `{ keep, value }`. A pass that is not kept is
 * dropped (its output discarded), and its value returned all the same.
 */
export async function runPass<T>(output: PassOutput, pass: (sink: ByteSink) => Promise<{ readonly keep: boolean; readonly value: T }>): Promise<T> {
  let dropped: { value: T } | undefined;
  try {
    return await output.write(async (sink) => {
      const r = await pass(sink);
      if (r.keep) return r.value;
      dropped = { value: r.value };
      throw new DroppedPass();
    });
  } catch (e) {
    if (dropped !== undefined && e instanceof DroppedPass) return dropped.value;
    throw e;
  }
}
