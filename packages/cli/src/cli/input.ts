/**
 * The command's inputs: a path, or `-` for stdin. Opening and telling
 * formats apart is the library's (@qber/qemu/input); this adds stdin.
 */
import { closeSync, constants, fstatSync, openSync, read, readSync } from "node:fs";
import type { Command } from "commander";
import { type SnapshotFormat, fdSource, isQberError } from "@qber/core";
import { type BerSource, type Input, berSource, openFile, openStream } from "@qber/qemu/input";
import { registryFor } from "./context.js";
import { UsageError } from "./errors.js";
import { type LimitFlags, importLimitsOf } from "./limits.js";

export type { Input };

/**
 * A pipe on descriptor `fd`, read without the main thread ever waiting on it:
 * what the pipe holds is read here and now, through a second, non-blocking
 * description of the same pipe (opened by /proc/self/fd), and an empty pipe
 * is waited on by a read through the thread pool. A signal can then end the
 * command while the pipe's writer pauses (a read blocking the main thread
 * would hold the signal off until more bytes came), and a full pipe still
 * costs no trip through the thread pool per 64 KiB. Chunks come from a ring
 * of three reused buffers, like fdSource's: each stays valid until two more
 * have been handed out. Without /proc, fdSource reads the pipe.
 */
async function* pipeSource(fd: number, chunkSize = 1 << 20): AsyncGenerator<Uint8Array, void, undefined> {
  let now: number;
  try {
    now = openSync(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    yield* fdSource(fd);
    return;
  }
  const ring = Array.from({ length: 3 }, () => new Uint8Array(chunkSize));
  try {
    for (let slot = 0; ; slot = (slot + 1) % ring.length) {
      const buf = ring[slot]!;
      let bytesRead = readNow(now, buf);
      while (bytesRead === undefined) bytesRead = (await waitAndRead(fd, buf)) ?? readNow(now, buf);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    closeSync(now);
  }
}

/** A read of a non-blocking descriptor: undefined when it holds nothing now. */
function readNow(fd: number, buf: Uint8Array): number | undefined {
  try {
    return readSync(fd, buf, 0, buf.length, null);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EAGAIN") return undefined;
    throw e;
  }
}

/**
 * A read through the thread pool, which waits for bytes. Undefined when the
 * descriptor was left non-blocking by the parent and is empty: then it waits
 * a moment, and the caller asks again.
 */
async function waitAndRead(fd: number, buf: Uint8Array): Promise<number | undefined> {
  try {
    return await new Promise<number>((resolve, reject) => read(fd, buf, 0, buf.length, null, (err, n) => (err ? reject(err) : resolve(n))));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
    await new Promise((resolve) => setTimeout(resolve, 2));
    return undefined;
  }
}

/**
 * Where `-` reads from. A pipe or file on descriptor 0 is read directly into
 * reused buffers (process.stdin would allocate a new buffer for every chunk,
 * and a long import through a pipe would carry tens of MiB of them between
 * garbage collections); anything else (a terminal, a socket) goes through
 * process.stdin. An object, so tests can stand in for stdin.
 */
export const stdin = {
  source(): AsyncIterable<Uint8Array> {
    let st: ReturnType<typeof fstatSync> | undefined;
    try {
      st = fstatSync(0);
    } catch {
      st = undefined;
    }
    if (st?.isFIFO()) return pipeSource(0);
    if (st?.isFile()) return fdSource(0);
    return process.stdin;
  },
};

/** The options every reading command has for its inputs' containers. */
export interface InputFlags {
  /** A qcow2 image's internal snapshot, by ID or tag. */
  readonly snapshot?: string;
}

/** Adds the input options (InputFlags) to a reading command. */
export function inputOptions(command: Command): Command {
  return command.option("--snapshot <id|tag>", "qcow2 image: the internal snapshot to read (default: the only one holding VM state)");
}

export async function openInput(path: string, flags: InputFlags = {}, expect?: SnapshotFormat): Promise<Input> {
  const options = { ...(expect ? { expect } : {}), ...(flags.snapshot !== undefined ? { snapshot: flags.snapshot } : {}) };
  if (path === "-") return openStream("stdin", stdin.source(), options);
  try {
    return await openFile(path, options);
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

/** Runs `read` over `input`; its failure to decode says which input: `qber: PATH: ...`. */
export async function readingInput<T>(input: Input, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    throw named(input, e);
  }
}
