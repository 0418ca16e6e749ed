/**
 * A BER reading position over bytes that are all in memory: header parsing,
 * definite and indefinite containers, primitives, limits and error reporting
 * with byte offsets and schema paths. The schema decoder is written on top of
 * it; the streaming reader uses it for every section it holds whole.
 */
import { type BerHeader, NEED_MORE, headerErrorMessage, newHeader, readHeader } from "./ber-header.js";
import { QberDecodeError, QberLimitError } from "./errors.js";
import { concatBytes } from "./concat-bytes.js";
import { decodeInteger, isNonMinimalInteger } from "./integer.js";
import { type DecodeLimits, type DecodeOptions, resolveLimits } from "./limits.js";
import { Tag, describeTag } from "./tags.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A constructed value being read: its end, or -1 when indefinite. */
export type Frame = number;

export class Cursor {
  readonly h: BerHeader = newHeader();
  /** Index in `buf` of the header most recently read. */
  headerStart = 0;
  readonly path: (string | number)[];
  readonly limits: DecodeLimits;
  readonly strict: boolean;
  private readonly bounds: number[] = [];
  private bound = Infinity;

  /**
   * @param buf the bytes
   * @param pos where to start
   * @param end where the input ends
   * @param base absolute offset of `buf[0]` in the whole input, for messages
   * @param truncatable whether the input may be cut short (an `end` that
   *   falls inside a value then means "incomplete", not "corrupt")
   * @param path where `buf[pos]` is in the enclosing value, for messages
   */
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
    readonly base: number,
    options: DecodeOptions = {},
    private readonly truncatable = true,
    path: readonly (string | number)[] = [],
  ) {
    this.path = [...path];
    this.limits = resolveLimits(options.limits);
    this.strict = options.strict ?? false;
  }

  /** Absolute input offset of `buf[index]`. */
  offsetOf(index: number): number {
    return this.base + index;
  }

  fail(reason: string, at = this.pos, expected?: string): never {
    throw new QberDecodeError(reason, { offset: this.base + at, path: [...this.path], ...(expected === undefined ? {} : { expected }) });
  }

  /** Bytes up to `needEnd` are missing: truncated input or a corrupt length. */
  private short(needEnd: number, what: string, at: number): never {
    if (needEnd > this.bound || !this.truncatable || this.bound <= this.end) {
      this.fail(`${what} runs past the end of its enclosing value`, at);
    }
    throw new QberDecodeError(`${what} needs ${needEnd - this.end} more byte(s)`, {
      offset: this.base + at,
      path: [...this.path],
      incomplete: true,
    });
  }

  /** Reads the next header into `h`; returns its tag key. */
  header(): number {
    const limit = Math.min(this.bound, this.end);
    const n = readHeader(this.buf, this.pos, limit, this.h);
    if (n === NEED_MORE) this.short(this.pos + 2, "a tag and length", this.pos);
    if (n < 0) this.fail(headerErrorMessage(n));
    if (this.strict && this.h.longLength) this.fail("length not in its shortest form (strict)");
    this.headerStart = this.pos;
    this.pos += n;
    const len = this.h.length;
    if (len >= 0) {
      const contentEnd = this.pos + len;
      if (contentEnd > limit) this.short(contentEnd, `a value of ${len} bytes`, this.headerStart);
    }
    return this.h.tag;
  }

  /** Reads a header that must be `tag`, primitive or constructed as given. */
  expect(tag: number, constructed: boolean, what: string): void {
    const got = this.header();
    if (got !== tag) this.fail(`unexpected tag ${describeTag(got)}`, this.headerStart, what);
    if (this.h.constructed !== constructed) {
      this.fail(`${what} must be ${constructed ? "constructed" : "primitive"}`, this.headerStart);
    }
  }

  /** Enters the constructed value whose header was just read. */
  enter(): Frame {
    if (!this.h.constructed) this.fail("expected a constructed value", this.headerStart);
    if (this.bounds.length >= this.limits.maxDepth) {
      throw new QberLimitError("nesting depth", this.bounds.length + 1, this.limits.maxDepth, {
        offset: this.base + this.headerStart,
        path: [...this.path],
      });
    }
    this.bounds.push(this.bound);
    if (this.h.length < 0) return -1;
    this.bound = this.pos + this.h.length;
    return this.bound;
  }

  /** True if the container has another element before its end (or end-of-contents). */
  more(frame: Frame): boolean {
    if (frame >= 0) return this.pos < frame;
    if (this.pos + 2 > Math.min(this.bound, this.end)) this.short(this.pos + 2, "an element or end-of-contents", this.pos);
    if (this.buf[this.pos] !== 0) return true;
    if (this.buf[this.pos + 1] !== 0) this.fail("malformed end-of-contents");
    return false;
  }

  /** Leaves a container: at its end, or consuming its end-of-contents. */
  leave(frame: Frame, what: string): void {
    if (this.more(frame)) {
      this.header();
      this.fail(
        `unexpected element ${describeTag(this.h.tag)} after the last component of ${what}`,
        this.headerStart,
        frame < 0 ? "end-of-contents" : "the end of the value",
      );
    }
    if (frame < 0) this.pos += 2;
    this.bound = this.bounds.pop() ?? Infinity;
  }

  /** Checks a SEQUENCE OF count against the limit. */
  count(n: number): void {
    if (n > this.limits.maxElementCount) {
      throw new QberLimitError("element count", n, this.limits.maxElementCount, {
        offset: this.base + this.pos,
        path: [...this.path],
      });
    }
  }

  private checkLength(len: number): void {
    if (len > this.limits.maxElementLength) {
      throw new QberLimitError("element length", len, this.limits.maxElementLength, {
        offset: this.base + this.headerStart,
        path: [...this.path],
      });
    }
  }

  /** Content bytes of the primitive whose header was just read. */
  primitive(what: string): Uint8Array {
    if (this.h.constructed) this.fail(`${what} must be primitive`, this.headerStart);
    const len = this.h.length;
    this.checkLength(len);
    const start = this.pos;
    this.pos += len;
    return this.buf.subarray(start, start + len);
  }

  /** Contents of a string type, primitive or (in BER) constructed from OCTET STRING segments. */
  stringContents(what: string): Uint8Array {
    if (!this.h.constructed) return this.primitive(what);
    if (this.strict) this.fail(`constructed ${what} (strict)`, this.headerStart);
    const parts: Uint8Array[] = [];
    let total = 0;
    const frame = this.enter();
    while (this.more(frame)) {
      const tag = this.header();
      if (tag !== Tag.octetString) this.fail(`unexpected tag ${describeTag(tag)} in a constructed string`, this.headerStart, "an OCTET STRING segment");
      const part = this.stringContents(what);
      total += part.length;
      this.checkLength(total);
      parts.push(part);
    }
    this.leave(frame, what);
    return concatBytes(parts, total);
  }

  integer(): bigint {
    const start = this.pos;
    const len = this.h.length;
    if (this.h.constructed) this.fail("INTEGER must be primitive", this.headerStart);
    if (len === 0) this.fail("INTEGER with no content octets", this.headerStart);
    this.checkLength(len);
    if (this.strict && isNonMinimalInteger(this.buf, start, len)) this.fail("INTEGER not in its shortest form (strict)", this.headerStart);
    this.pos += len;
    return decodeInteger(this.buf, start, len);
  }

  readInteger(what: string, tag: number = Tag.integer): bigint {
    this.expect(tag, false, what);
    return this.integer();
  }

  boolean(): boolean {
    if (this.h.constructed || this.h.length !== 1) this.fail("BOOLEAN must be one primitive octet", this.headerStart);
    const b = this.buf[this.pos++]!;
    if (this.strict && b !== 0 && b !== 0xff) this.fail("BOOLEAN TRUE not encoded as 0xff (strict)", this.headerStart);
    return b !== 0;
  }

  null(what: string): void {
    if (this.h.constructed || this.h.length !== 0) this.fail(`${what} must be an empty primitive`, this.headerStart);
  }

  /** A QemuString: UTF-8, 1 to 255 bytes. */
  qemuString(what: string): string {
    const tag = this.header();
    if (tag !== Tag.utf8String) this.fail(`unexpected tag ${describeTag(tag)}`, this.headerStart, `${what} (UTF8String)`);
    return this.qemuStringContents(what);
  }

  qemuStringContents(what: string): string {
    const bytes = this.stringContents(what);
    if (bytes.length < 1 || bytes.length > 255) this.fail(`${what} is ${bytes.length} bytes; a QemuString has 1 to 255`, this.headerStart);
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail(`${what} is not valid UTF-8`, this.headerStart);
    }
  }
}
