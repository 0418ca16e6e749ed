/**
 * What the streaming reader reads from: one buffer, chunks in memory, or any
 * async iterable of chunks (a Node Readable is one).
 */
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

/**
 * Read buffers cycled by fileSource: the chunk handed out, the one read ahead,
 * and the previous one (whose views the caller may still hold).
 */
const RING = 4;

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
  try {
    let position = options.start ?? 0;
    // One read is always in flight while the caller works on the last chunk.
    const readInto = (buf: Uint8Array, at: number) => fh.read(buf, 0, chunkSize, at);
    let slot = 0;
    let ahead = readInto(ring[slot]!, position);
    for (;;) {
      const { bytesRead, buffer } = await ahead;
      if (bytesRead === 0) return;
      position += bytesRead;
      slot = (slot + 1) % RING;
      ahead = readInto(ring[slot]!, position);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
