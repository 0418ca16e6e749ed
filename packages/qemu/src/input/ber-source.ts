/**
 * Any input as BER bytes: a qber file as it is, a QEMU stream through the
 * importer on the fly. Every reading function of the library takes BER, so
 * this is how they read QEMU streams too.
 */
import { PassThrough } from "node:stream";
import { type ByteSource, isQberError } from "@qber/core";
import { type ImportOptions, importQemuStream } from "../bridge/import.js";
import type { Input } from "./open-input.js";

export interface BerSource {
  readonly source: ByteSource;
  /** Settles when the conversion ends; rejects with the importer's error. */
  readonly done: Promise<unknown>;
  /** Stops the conversion (a reader that gave up). */
  stop(): void;
}

export function berSource(input: Input, options: ImportOptions = {}): BerSource {
  if (input.format === "ber") return { source: input.source, done: Promise.resolve(), stop: () => undefined };
  const pipe = new PassThrough({ highWaterMark: 1 << 20 });
  const done = importQemuStream(input.source, pipe, options).then(
    () => pipe.end(),
    (e: unknown) => {
      // The reader stopped early (it found what it needed, or gave up): the
      // conversion has nobody to write for, which is no failure of its own.
      if (pipe.destroyed && !isQberError(e)) return;
      pipe.destroy(e as Error);
      throw e;
    },
  );
  return { source: pipe, done, stop: () => pipe.destroy() };
}

/** Runs `read` over an input's BER bytes and waits for the conversion too; the reader's result. */
export async function readAsBer<T>(input: Input, read: (source: ByteSource) => Promise<T>, options: ImportOptions = {}): Promise<T> {
  const ber = berSource(input, options);
  try {
    const [result] = await Promise.all([read(ber.source), ber.done]);
    return result;
  } catch (e) {
    ber.stop();
    throw e;
  }
}
