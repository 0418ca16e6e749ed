/**
 * What the streaming reader reads from: one buffer, chunks in memory, or any
 * async iterable of chunks (a Node Readable is one).
 */
import { read, readSync } from "node:fs";
import { open } from "node:fs/promises";

export type ByteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export function chunksOf(source: ByteSource): AsyncIterator<Uint8Array> | Iterator<Uint8Array> {
  if (source instanceof Uint8Array) return [source][Symbol.iterator]();
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  return source[Symbol.iterator]();
}

export interface FileSourceOptions {
  /** Bytes per read. */
  readonly chunkSize?: number;
  /** Where to start reading. */
  readonly start?: number;
}

/** Reads in flight while the caller works on the last chunk. */
const READ_AHEAD = 1;
/**
 * Read buffers cycled by fileSource: the reads in flight, the chunk handed
 * out, and the two before it (whose views the caller may still hold).
 */
const RING = READ_AHEAD + 3;

/**
 * A file read in large chunks into a small ring of reused buffers: no
 * allocation and no page faults per chunk, so reading runs at copy speed.
 * A chunk's bytes stay valid until two more chunks have been handed out; the
 * section reader's contract ("page data is valid until the next batch is
 * requested") is built on that.
 */
export async function* fileSource(path: string, options: FileSourceOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const chunkSize = options.chunkSize ?? 2 << 20;
  const ring = Array.from({ length: RING }, () => new Uint8Array(chunkSize));
  const fh = await open(path, "r");
  // READ_AHEAD reads are in flight while the caller works on the last chunk.
  const pending: Promise<{ bytesRead: number; buffer: Uint8Array }>[] = [];
  try {
    let position = options.start ?? 0;
    let slot = 0;
    let eof = false;
    const issue = (): void => {
      const buf = ring[slot]!;
      slot = (slot + 1) % RING;
      const at = position;
      position += chunkSize;
      pending.push(fh.read(buf, 0, chunkSize, at));
    };
    for (let i = 0; i < READ_AHEAD; i++) issue();
    while (pending.length > 0) {
      const { bytesRead, buffer } = await pending.shift()!;
      if (bytesRead === 0) eof = true;
      if (eof) continue;
      if (bytesRead < chunkSize) eof = true;
      else issue();
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    // A caller that stops early leaves reads in flight: let them land first.
    await Promise.allSettled(pending);
    await fh.close();
  }
}

/**
 * A file descriptor read in order (a pipe, such as stdin), into a ring of
 * reused buffers like fileSource: chunks stay valid until two more have been
 * handed out. One read at a time: a pipe has no positions to read ahead at.
 * The descriptor is not closed.
 */
export async function* fdSource(fd: number, options: { readonly chunkSize?: number } = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const chunkSize = options.chunkSize ?? 1 << 20;
  const ring = Array.from({ length: 3 }, () => new Uint8Array(chunkSize));
  for (let slot = 0; ; slot = (slot + 1) % ring.length) {
    const buf = ring[slot]!;
    const bytesRead = readNow(fd, buf) ?? (await readSome(fd, buf));
    if (bytesRead === 0) return;
    yield buf.subarray(0, bytesRead);
  }
}

/**
 * One read, here and now: a pipe gives at most 64 KiB per read, and a read
 * through the thread pool per 64 KiB cost more than the reading (an import
 * from a pipe took three times as long as from the file). Waiting on an
 * empty pipe is what a pipe's reader does anyway. Undefined when the
 * descriptor is non-blocking and empty.
 */
function readNow(fd: number, buf: Uint8Array): number | undefined {
  try {
    return readSync(fd, buf, 0, buf.length, null);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EAGAIN") return undefined;
    throw err;
  }
}

/** One read; a descriptor left non-blocking by the parent says EAGAIN when empty, so wait and ask again. */
async function readSome(fd: number, buf: Uint8Array): Promise<number> {
  for (;;) {
    try {
      return await new Promise<number>((resolve, reject) => read(fd, buf, 0, buf.length, null, (err, n) => (err ? reject(err) : resolve(n))));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}
