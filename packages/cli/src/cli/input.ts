/**
 * Opening inputs: a path or `-` (stdin), and telling a qber BER file from a
 * QEMU stream by their first bytes.
 */
import { closeSync, constants, createReadStream, fstatSync, openSync, read, readSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { type ByteSource, fdSource, fileSource } from "@qber/core";
import { UsageError } from "./errors.js";

export type InputFormat = "ber" | "qemu";

export interface Input {
  readonly name: string;
  readonly format: InputFormat;
  readonly source: ByteSource;
  /** Size in bytes when known (files), for progress. */
  readonly size: number | undefined;
}

const BER_MAGIC = [0x7f, 0xcd, 0xc5, 0x51];
const QEMU_MAGIC = [0x51, 0x45, 0x56, 0x4d];

export function sniff(head: Uint8Array): InputFormat | undefined {
  const is = (m: number[]) => m.every((b, i) => head[i] === b);
  if (is(BER_MAGIC)) return "ber";
  if (is(QEMU_MAGIC)) return "qemu";
  return undefined;
}

function formatError(name: string, head: Uint8Array): UsageError {
  const got = Buffer.from(head.subarray(0, 4)).toString("hex").replace(/(..)(?!$)/g, "$1 ");
  return new UsageError(
    `${name}: not a qber file (7f cd c5 51) nor a QEMU migration stream ("QEVM", 51 45 56 4d); it starts with ${got || "nothing"}`,
    1,
  );
}

/**
 * Reads at least `count` bytes from the front of a stream (fewer if it ends)
 * and hands back those bytes plus the whole stream again. The chunks read
 * early are copied: a source may reuse its buffers.
 */
export async function peekStream(stream: AsyncIterable<Uint8Array>, count: number): Promise<{ head: Uint8Array; source: AsyncGenerator<Uint8Array> }> {
  const it = stream[Symbol.asyncIterator]();
  const first: Uint8Array[] = [];
  let have = 0;
  while (have < count) {
    const r = await it.next();
    if (r.done) break;
    first.push(r.value.slice());
    have += r.value.length;
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    yield* first;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { head: Buffer.concat(first), source: all() };
}

/** Tells a stream's format from its first bytes (stdin, pipes, devices). */
async function openStream(name: string, stream: AsyncIterable<Uint8Array>): Promise<Input> {
  const { head, source } = await peekStream(stream, 4);
  const format = sniff(head);
  if (!format) throw formatError(name, head);
  return { name, format, source, size: undefined };
}

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

export async function openInput(path: string, expect?: InputFormat): Promise<Input> {
  const input = path === "-" ? await openStream("stdin", stdin.source()) : await openFile(path);
  if (expect && input.format !== expect) {
    throw new UsageError(`${input.name}: this is a ${input.format === "ber" ? "qber BER file" : "QEMU migration stream"}; expected a ${expect === "ber" ? "qber BER file" : "QEMU migration stream"}`, 1);
  }
  return input;
}

async function openFile(path: string): Promise<Input> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory`, 1);
    // Pipes and devices (`<(...)`, /dev/stdin) cannot be read by position.
    if (!st.isFile()) return openStream(path, createReadStream(path, { highWaterMark: 1 << 20 }));
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`, 1);
  }
  const fh = await open(path, "r");
  const head = new Uint8Array(4);
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  const format = sniff(head);
  if (!format) throw formatError(path, size < 4 ? head.subarray(0, size) : head);
  return { name: path, format, source: fileSource(path), size };
}
