/**
 * Seeing the input's own bytes while the section reader parses it: a tee
 * over the source keeps copies of recent chunks (a window that the caller
 * trims), and a comparator checks that what the writer would produce equals
 * the input, section by section.
 */
import type { ByteSource } from "@qber/core";

export class ByteWindow {
  private chunks: { start: number; bytes: Uint8Array }[] = [];
  /** Offset just past the last byte seen. */
  end = 0;

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push({ start: this.end, bytes: chunk.slice() });
    this.end += chunk.length;
  }

  /** Offset of the first byte still held. */
  get start(): number {
    return this.chunks[0]?.start ?? this.end;
  }

  /** Forgets every chunk that ends at or before `offset`. */
  dropBefore(offset: number): void {
    let n = 0;
    while (n < this.chunks.length) {
      const c = this.chunks[n]!;
      if (c.start + c.bytes.length > offset) break;
      n++;
    }
    if (n > 0) this.chunks.splice(0, n);
  }

  byteAt(offset: number): number | undefined {
    for (const c of this.chunks) {
      if (offset >= c.start && offset < c.start + c.bytes.length) return c.bytes[offset - c.start];
    }
    return undefined;
  }

  /** Bytes [a, b), which must be held; a view when they lie in one chunk, else a copy. */
  slice(a: number, b: number): Uint8Array {
    if (a < this.start || b > this.end) throw new Error(`bytes ${a}..${b} are not held (${this.start}..${this.end})`);
    const out = new Uint8Array(b - a);
    let at = 0;
    for (const c of this.chunks) {
      const cEnd = c.start + c.bytes.length;
      if (cEnd <= a || c.start >= b) continue;
      const from = Math.max(a, c.start) - c.start;
      const to = Math.min(b, cEnd) - c.start;
      if (at === 0 && to - from === out.length) return c.bytes.subarray(from, to);
      out.set(c.bytes.subarray(from, to), at);
      at += to - from;
    }
    return out;
  }
}

/** The source's chunks, each also handed to `seen` before the reader gets it. */
export async function* tee(source: ByteSource, seen: (chunk: Uint8Array) => void): AsyncGenerator<Uint8Array, void, undefined> {
  if (source instanceof Uint8Array) {
    seen(source);
    yield source;
    return;
  }
  for await (const chunk of source as AsyncIterable<Uint8Array>) {
    seen(chunk);
    yield chunk;
  }
}

export interface BerHeader {
  /** Bytes of tag and length octets. */
  readonly headerLength: number;
  /** Content length, or -1 for the indefinite form. */
  readonly length: number;
}

/** Reads a tag-and-length header at `offset` from the window (which must hold it). */
export function headerAt(w: ByteWindow, offset: number): BerHeader {
  const at = (i: number): number => {
    const b = w.byteAt(offset + i);
    if (b === undefined) throw new Error(`byte ${offset + i} is not held`);
    return b;
  };
  let i = 1;
  if ((at(0) & 0x1f) === 0x1f) while (at(i++) & 0x80);
  const l = at(i++);
  if (l < 0x80) return { headerLength: i, length: l };
  if (l === 0x80) return { headerLength: i, length: -1 };
  let len = 0;
  for (let k = 0; k < (l & 0x7f); k++) len = len * 256 + at(i++);
  return { headerLength: i, length: len };
}

/** Where the expected bytes stopped matching the input. */
export interface Mismatch {
  /** Index of the section, -1 for the file's header, `sections` for its end. */
  readonly section: number;
  readonly offset: number;
}

/**
 * Compares an expected byte stream (the writer's output) with the input,
 * both arriving in pieces. `sync` marks where a section starts in the input;
 * after a mismatch the comparison resumes at the next sync point.
 */
export class Comparator {
  private pos = 0;
  private queue: Uint8Array[] = [];
  private failed = false;
  private current = -1;
  readonly mismatches: Mismatch[] = [];

  constructor(private readonly window: ByteWindow) {}

  /** The offset up to which the input has been compared (what the window may drop). */
  get position(): number {
    return this.pos;
  }

  expect = (chunk: Uint8Array): void => {
    if (this.failed || chunk.length === 0) return;
    this.queue.push(chunk);
    this.pump();
  };

  private fail(at: number): void {
    this.failed = true;
    this.queue = [];
    this.mismatches.push({ section: this.current, offset: at });
  }

  pump(): void {
    while (!this.failed && this.queue.length > 0 && this.window.end > this.pos) {
      const e = this.queue[0]!;
      const n = Math.min(e.length, this.window.end - this.pos);
      const got = this.window.slice(this.pos, this.pos + n);
      const want = e.subarray(0, n);
      if (Buffer.compare(got, want) !== 0) {
        let k = 0;
        while (got[k] === want[k]) k++;
        this.fail(this.pos + k);
        return;
      }
      this.pos += n;
      if (n === e.length) this.queue.shift();
      else this.queue[0] = e.subarray(n);
    }
  }

  /** Section `index` starts at `offset`: everything before it must have matched exactly. */
  sync(offset: number, index: number): void {
    this.pump();
    if (!this.failed && (this.queue.length > 0 || this.pos !== offset)) this.fail(Math.min(this.pos, offset));
    this.queue = [];
    this.pos = offset;
    this.failed = false;
    this.current = index;
  }
}
