/**
 * A growable byte buffer with BER primitives in their DER form (X.690 10):
 * shortest lengths, minimal INTEGERs, TRUE as 0xff, strings primitive.
 * Constructed values are definite (`begin`/`end` reserve one length octet and
 * shift the contents only when the real length needs more) or indefinite.
 */
import { integerLength, writeInteger } from "./integer.js";

const textEncoder = new TextEncoder();

/** Number of octets of the DER length field for `len`. */
export function lengthOctets(len: number): number {
  if (len < 0x80) return 1;
  let n = 1;
  for (let l = len; l > 0; l = Math.floor(l / 256)) n++;
  return n;
}

/** Writes a DER length field at `buf[pos]`; returns the position after it. */
export function writeLength(buf: Uint8Array, pos: number, len: number): number {
  if (len < 0x80) {
    buf[pos] = len;
    return pos + 1;
  }
  const n = lengthOctets(len) - 1;
  buf[pos] = 0x80 | n;
  let l = len;
  for (let i = n; i >= 1; i--) {
    buf[pos + i] = l & 0xff;
    l = Math.floor(l / 256);
  }
  return pos + n + 1;
}

export class BerWriter {
  private buf: Uint8Array;
  /** Next free byte. */
  pos = 0;

  constructor(initialSize = 4096) {
    this.buf = new Uint8Array(initialSize);
  }

  /** Makes room for `n` more bytes and returns the buffer to write into at `pos`. */
  reserve(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.pos + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
    }
    return this.buf;
  }

  /** The bytes written so far (a view; valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /**
   * Hands out the bytes written so far and starts over in `next` (a fresh
   * buffer of that size, or one given). `whole` is the handed-out buffer in
   * full, for a caller that recycles it once the bytes are consumed.
   */
  take(next: number | Uint8Array = this.buf.length): { readonly bytes: Uint8Array; readonly whole: Uint8Array } {
    const whole = this.buf;
    const bytes = whole.subarray(0, this.pos);
    this.buf = typeof next === "number" ? new Uint8Array(next) : next;
    this.pos = 0;
    return { bytes, whole };
  }

  raw(bytes: Uint8Array): void {
    const buf = this.reserve(bytes.length);
    buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A tag and a definite length. */
  header(tag: Uint8Array, len: number): void {
    const buf = this.reserve(tag.length + 9);
    buf.set(tag, this.pos);
    this.pos = writeLength(buf, this.pos + tag.length, len);
  }

  integer(tag: Uint8Array, value: bigint): void {
    const len = integerLength(value);
    this.header(tag, len);
    const buf = this.reserve(len);
    writeInteger(buf, this.pos, value, len);
    this.pos += len;
  }

  boolean(tag: Uint8Array, value: boolean): void {
    this.header(tag, 1);
    this.reserve(1)[this.pos++] = value ? 0xff : 0x00;
  }

  null(tag: Uint8Array): void {
    this.header(tag, 0);
  }

  octets(tag: Uint8Array, data: Uint8Array): void {
    this.header(tag, data.length);
    this.raw(data);
  }

  utf8(tag: Uint8Array, text: string): void {
    this.octets(tag, textEncoder.encode(text));
  }

  /** Opens a definite-length constructed value; pass the result to `end`. */
  begin(tag: Uint8Array): number {
    const buf = this.reserve(tag.length + 1);
    buf.set(tag, this.pos);
    this.pos += tag.length + 1;
    return this.pos;
  }

  /** Closes the value opened by `begin`, writing its length. */
  end(contentStart: number): void {
    const len = this.pos - contentStart;
    const extra = lengthOctets(len) - 1;
    if (extra > 0) {
      const buf = this.reserve(extra);
      buf.copyWithin(contentStart + extra, contentStart, this.pos);
      this.pos += extra;
    }
    writeLength(this.buf, contentStart - 1, len);
  }

  /** Opens an indefinite-length constructed value. */
  beginIndefinite(tag: Uint8Array): void {
    const buf = this.reserve(tag.length + 1);
    buf.set(tag, this.pos);
    buf[this.pos + tag.length] = 0x80;
    this.pos += tag.length + 1;
  }

  /** The end-of-contents octets that close an indefinite value. */
  endIndefinite(): void {
    const buf = this.reserve(2);
    buf[this.pos] = 0;
    buf[this.pos + 1] = 0;
    this.pos += 2;
  }
}
