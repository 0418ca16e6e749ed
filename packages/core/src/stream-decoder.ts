/**
 * The streaming decoder's reading position: headers, frames of constructed
 * values (definite or indefinite) and whole elements, over a ChunkReader.
 * Small values are read whole and handed to a Cursor, so the schema decoder
 * serves the streaming path as well.
 */
import { type BerHeader, NEED_MORE, headerErrorMessage, newHeader, readHeader } from "./ber-header.js";
import { SCAN_TOO_DEEP, scanElement } from "./ber-scan.js";
import type { ByteSource } from "./byte-source.js";
import { ChunkReader } from "./chunk-reader.js";
import { Cursor } from "./cursor.js";
import { QberDecodeError, QberLimitError } from "./errors.js";
import { type DecodeLimits, type DecodeOptions, resolveLimits } from "./limits.js";
import { describeTag } from "./tags.js";

/** Longest header: 1 + 4 tag octets, 1 + 126 length octets. */
const MAX_HEADER = 132;

/** A constructed value being read: its absolute end, or -1 when indefinite. */
export type StreamFrame = number;

export class StreamDecoder {
  readonly r: ChunkReader;
  readonly h: BerHeader = newHeader();
  readonly limits: DecodeLimits;
  readonly strict: boolean;
  readonly path: (string | number)[] = [];
  /** Size of the header most recently read by `peek`. */
  headerLength = 0;
  /** Innermost definite end among the open frames (absolute). */
  bound = Infinity;
  private readonly bounds: number[] = [];

  constructor(
    source: ByteSource,
    readonly options: DecodeOptions = {},
  ) {
    this.r = new ChunkReader(source);
    this.limits = resolveLimits(options.limits);
    this.strict = options.strict ?? false;
  }

  fail(reason: string, offset = this.r.offset, expected?: string, extraPath?: readonly (string | number)[]): never {
    throw new QberDecodeError(reason, {
      offset,
      path: extraPath ? [...this.path, ...extraPath] : [...this.path],
      ...(expected === undefined ? {} : { expected }),
    });
  }

  incomplete(what: string, offset = this.r.offset, extraPath?: readonly (string | number)[]): never {
    throw new QberDecodeError(`the input ends inside ${what}`, {
      offset,
      path: extraPath ? [...this.path, ...extraPath] : [...this.path],
      incomplete: true,
    });
  }

  limit(name: string, actual: number, max: number, offset = this.r.offset): never {
    throw new QberLimitError(name, actual, max, { offset, path: [...this.path] });
  }

  /** Checks an element ending at absolute `end` against the enclosing definite value. */
  checkBound(end: number, offset: number): void {
    if (end > this.bound) this.fail("a value runs past the end of its enclosing value", offset);
  }

  /**
   * Reads the header at the current position into `h` without consuming it;
   * returns the tag key. Fails on a malformed header or at end of input.
   */
  async peek(what: string): Promise<number> {
    const r = this.r;
    let n = readHeader(r.buf, r.pos, r.buf.length, this.h);
    if (n === NEED_MORE) {
      await r.ensure(MAX_HEADER);
      n = readHeader(r.buf, r.pos, r.buf.length, this.h);
      if (n === NEED_MORE) this.incomplete(what);
    }
    if (n < 0) this.fail(headerErrorMessage(n));
    if (this.strict && this.h.longLength) this.fail("length not in its shortest form (strict)");
    if (this.h.length >= 0) this.checkBound(r.offset + n + this.h.length, r.offset);
    this.headerLength = n;
    return this.h.tag;
  }

  /** Reads a header that must be `tag` and constructed, consumes it, and opens its frame. */
  async enter(tag: number, what: string): Promise<StreamFrame> {
    const got = await this.peek(what);
    if (got !== tag) this.fail(`unexpected tag ${describeTag(got)}`, this.r.offset, what);
    if (!this.h.constructed) this.fail(`${what} must be constructed`);
    return this.open();
  }

  /** Opens the frame of the constructed value whose header `peek` just read. */
  open(): StreamFrame {
    if (this.bounds.length >= this.limits.maxDepth) this.limit("nesting depth", this.bounds.length + 1, this.limits.maxDepth);
    this.r.pos += this.headerLength;
    this.bounds.push(this.bound);
    if (this.h.length < 0) return -1;
    this.bound = this.r.offset + this.h.length;
    return this.bound;
  }

  /** True if the frame has another element before its end. */
  async more(frame: StreamFrame, what: string): Promise<boolean> {
    const r = this.r;
    if (frame >= 0) return r.offset < frame;
    if (r.available < 2 && !(await r.ensure(2))) this.incomplete(`${what} (no end-of-contents)`);
    if (r.buf[r.pos] !== 0) return true;
    if (r.buf[r.pos + 1] !== 0) this.fail("malformed end-of-contents");
    return false;
  }

  /** Closes a frame at its end, consuming the end-of-contents of an indefinite one. */
  async leave(frame: StreamFrame, what: string): Promise<void> {
    if (await this.more(frame, what)) {
      const tag = await this.peek(what);
      this.fail(
        `unexpected element ${describeTag(tag)} after the last component of ${what}`,
        this.r.offset,
        frame < 0 ? "end-of-contents" : "the end of the value",
      );
    }
    if (frame < 0) this.r.pos += 2;
    this.bound = this.bounds.pop() ?? Infinity;
  }

  /**
   * Makes the whole element at the current position contiguous in memory,
   * bounded by `limit` bytes; returns its length. Indefinite-length elements
   * are scanned for their end as bytes arrive.
   */
  async whole(what: string, limit: number, limitName = "section length"): Promise<number> {
    const r = this.r;
    await this.peek(what);
    if (this.h.length >= 0) {
      const total = this.headerLength + this.h.length;
      if (total > limit) this.limit(limitName, total, limit);
      if (!(await r.ensure(total))) this.incomplete(what);
      return total;
    }
    for (;;) {
      const end = scanElement(r.buf, r.pos, r.buf.length, this.limits.maxDepth);
      if (end >= 0) {
        this.checkBound(r.offsetOf(end), r.offset);
        return end - r.pos;
      }
      if (end === SCAN_TOO_DEEP) this.limit("nesting depth", this.limits.maxDepth + 1, this.limits.maxDepth);
      if (end !== NEED_MORE) this.fail(end < -99 ? "end-of-contents where a value was expected" : headerErrorMessage(end));
      const have = r.available;
      if (have > limit) this.limit(limitName, have, limit);
      if (!(await r.ensure(Math.min(limit + 1, Math.max(have * 2, have + 65536))))) {
        if (r.available === have) this.incomplete(what);
      }
    }
  }

  /**
   * A Cursor over the next `length` bytes (made contiguous by `whole`), at the
   * current path; over a copy of them when `copy` is set.
   */
  cursor(length: number, path: readonly (string | number)[] = [], copy = false): Cursor {
    const r = this.r;
    const full = [...this.path, ...path];
    if (copy) return new Cursor(r.buf.slice(r.pos, r.pos + length), 0, length, r.offset, this.options, false, full);
    return new Cursor(r.buf, r.pos, r.pos + length, r.offsetOf(0), this.options, false, full);
  }

  /** Reads one small element whole and decodes it with `read`. */
  async small<T>(what: string, read: (c: Cursor) => T, path: readonly (string | number)[] = []): Promise<T> {
    const len = await this.whole(what, this.limits.maxElementLength + MAX_HEADER, "element length");
    const c = this.cursor(len, path);
    const v = read(c);
    this.r.pos += len;
    return v;
  }
}
