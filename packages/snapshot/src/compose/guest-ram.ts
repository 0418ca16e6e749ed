/**
 * A RAM block's contents as compose builds them: a base (zeros, or a
 * RamSource the caller gives) with loads copied over it in order. A load is
 * read on demand, page run by page run, so neither a large file nor a long
 * stream is ever held whole; the RAM iterator reads every block once, in
 * ascending order, which is what lets a stream be a load.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { RAM_PAGE_SIZE, type RamSource } from "@qber/ram";
import { fail } from "./compose-error.js";

/** Bytes put into a RAM block at `addr`. */
export interface Load {
  readonly addr: number;
  /** What the load is, for messages (a file name, "inline bytes", ...). */
  readonly what: string;
  /** Its length when known before reading (a stream's is not). */
  readonly length: number | undefined;
  /**
   * Copies load bytes [from, from + into.length) into `into`, or as many as
   * the load has. Calls come in ascending order of `from`.
   */
  read(from: number, into: Uint8Array): void | Promise<void>;
  /** After the block's last page: fails if the load has bytes left that did not fit. */
  finish?(block: string, length: number): Promise<void>;
  close?(): void | Promise<void>;
}

export function bytesLoad(addr: number, bytes: Uint8Array, what: string): Load {
  return { addr, what, length: bytes.length, read: (from, into) => into.set(bytes.subarray(from, from + into.length)) };
}

export function fileLoad(addr: number, path: string): Load {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    return fail(`${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  const open = fd;
  return {
    addr,
    what: path,
    length: fstatSync(open).size,
    read(from, into) {
      for (let got = 0; got < into.length; ) {
        const n = readSync(open, into, got, into.length - got, from + got);
        if (n === 0) fail(`${path} changed while it was read`);
        got += n;
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** Chunks of bytes (an async or sync iterable: a Node stream, a generator), read once, in order. */
export function chunksLoad(addr: number, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, what: string): Load {
  const it: AsyncIterator<Uint8Array> | Iterator<Uint8Array> = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  /** Load offset of pending[0]. */
  let pos = 0;
  let pending: Uint8Array = EMPTY;
  let done = false;
  const more = async (): Promise<boolean> => {
    while (!done) {
      const r = await it.next();
      if (r.done === true) done = true;
      else if (!(r.value instanceof Uint8Array)) fail(`${what} yielded a ${typeof r.value}, not bytes (Uint8Array)`);
      else if (r.value.length > 0) {
        pending = r.value;
        return true;
      }
    }
    return false;
  };
  return {
    addr,
    what,
    length: undefined,
    async read(from, into) {
      for (let filled = 0; filled < into.length; ) {
        if (pending.length === 0 && !(await more())) return;
        const skip = from + filled - pos;
        if (skip < 0) fail(`${what} was asked for bytes it already gave`);
        if (skip >= pending.length) {
          pos += pending.length;
          pending = EMPTY;
          continue;
        }
        const n = Math.min(pending.length - skip, into.length - filled);
        into.set(pending.subarray(skip, skip + n), filled);
        filled += n;
        pos += skip + n;
        pending = pending.subarray(skip + n);
      }
    },
    async finish(block, length) {
      if (pending.length > 0 || (await more())) fail(`${what} at 0x${addr.toString(16)} holds more bytes than the ${length} bytes of ${block} leave room for`);
    },
    async close() {
      if (!done) await it.return?.();
      done = true;
    },
  };
}

/** Block `name` of `length` bytes: `base` (zeros if none) with `loads` copied over it, later loads over earlier ones. */
export function blockSource(name: string, length: number, base: RamSource | undefined, loads: readonly Load[]): RamSource {
  if (base !== undefined && loads.length === 0) return base;
  for (const l of loads) {
    const end = l.addr + (l.length ?? 0);
    if ((l.length !== 0 && l.addr >= length) || end > length)
      fail(`${l.what} at 0x${l.addr.toString(16)}${l.length === undefined ? "" : ` (${l.length} bytes)`} ends past the ${length} bytes of ${name}`);
  }
  return {
    name,
    length,
    async read(first, count, out) {
      const start = first * RAM_PAGE_SIZE;
      const end = start + count * RAM_PAGE_SIZE;
      if (base === undefined) out.fill(0, 0, count * RAM_PAGE_SIZE);
      else await base.read(first, count, out);
      for (const l of loads) {
        const from = Math.max(start, l.addr);
        const to = l.length === undefined ? end : Math.min(end, l.addr + l.length);
        if (from < to) await l.read(from - l.addr, out.subarray(from - start, to - start));
      }
      if (end === length) for (const l of loads) await l.finish?.(name, length);
    },
  };
}
