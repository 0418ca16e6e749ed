/**
 * Any input as BER bytes: a qber file as it is, a QEMU stream (bare or from a
 * container) through the importer on the fly. Every reading function of the
 * library takes BER, so this is how they read QEMU streams too.
 */
import { PassThrough } from "node:stream";
import { type ByteSource, QberDecodeError, isQberError } from "@qber/core";
import { type ImportOptions, importQemuStream } from "../bridge/import.js";
import { describeContainers, isContainerError } from "../containers/container.js";
import type { Input } from "./open-input.js";

export interface BerSource {
  readonly source: ByteSource;
  /** Settles when the conversion ends; rejects with the importer's error. */
  readonly done: Promise<unknown>;
  /** Stops the conversion (a reader that gave up). */
  stop(): void;
}

/**
 * A decode error of the stream inside a container, saying so: its offset is
 * in that inner (decompressed) stream, not in the file.
 */
export function inContainer(input: Input, e: unknown): unknown {
  const containers = input.containers ?? [];
  if (containers.length === 0 || !isQberError(e, "QberDecodeError") || isContainerError(e)) return e;
  const what = input.format === "ber" ? "BER file" : "QEMU stream";
  const offsetNote = e.offset === undefined ? "" : "; the offset is in that stream";
  // `reason` already says what was expected, and "truncated input: " when incomplete (which the new error says again).
  const reason = e.incomplete ? e.reason.replace(/^truncated input: /, "") : e.reason;
  return new QberDecodeError(`${reason}${e.path === "" ? "" : ` in ${e.path}`} [in the ${what} inside the ${describeContainers(containers)}${offsetNote}]`, {
    ...(e.offset === undefined ? {} : { offset: e.offset }),
    incomplete: e.incomplete,
    cause: e,
  });
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
      const error = inContainer(input, e) as Error;
      pipe.destroy(error);
      throw error;
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
    // The importer's errors were placed by berSource; a BER file's own are placed here.
    throw input.format === "ber" ? inContainer(input, e) : e;
  }
}
