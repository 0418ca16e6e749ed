/**
 * The command's inputs: a path, or `-` for stdin. Opening and telling
 * formats apart is the library's (@qber/qemu/input); this adds stdin.
 */
import { fstatSync } from "node:fs";
import { type SnapshotFormat, fdSource, isQberError } from "@qber/core";
import { type BerSource, type Input, berSource, openFile, openStream } from "@qber/qemu/input";
import { registryFor } from "./context.js";
import { UsageError } from "./errors.js";
import { type LimitFlags, importLimitsOf } from "./limits.js";

export type { Input };

/**
 * Where `-` reads from. A pipe or file on descriptor 0 is read directly into
 * reused buffers (process.stdin would allocate a new buffer for every chunk,
 * and a long import through a pipe would carry tens of MiB of them between
 * garbage collections); anything else (a terminal) goes through process.stdin.
 * An object, so tests can stand in for stdin.
 */
export const stdin = {
  source(): AsyncIterable<Uint8Array> {
    let direct = false;
    try {
      const st = fstatSync(0);
      direct = st.isFIFO() || st.isFile();
    } catch {
      direct = false;
    }
    return direct ? fdSource(0) : process.stdin;
  },
};

export async function openInput(path: string, expect?: SnapshotFormat): Promise<Input> {
  if (path === "-") return openStream("stdin", stdin.source(), expect);
  try {
    return await openFile(path, expect);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError(`${path}: no such file`, 1);
    throw e;
  }
}

/** Any input as BER: a QEMU stream is converted on the fly, with the command's plugins and limits. */
export function berOf(input: Input, flags: LimitFlags = {}): BerSource {
  return berSource(input, { registry: registryFor(), ...importLimitsOf(flags) });
}

/** A failure reading an input, as one line that names the input (two-input commands say which one is bad). */
export function named(input: Input, e: unknown): unknown {
  return isQberError(e) ? new UsageError(`${input.name}: ${e.message}`, 1) : e;
}
