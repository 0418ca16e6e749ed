/**
 * Big-endian byte reading and writing for QEMU's stream layout. The reader
 * throws `incomplete` decode errors when the input ends early, so a caller
 * holding part of a stream can fetch more bytes and retry.
 */
import { QberDecodeError } from "@qber/core";

export class ByteReader {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    /** Offset of `bytes[0]` in the whole input, for error messages. */
    readonly base = 0,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  need(n: number, what: string, path: readonly (string | number)[]): void {
    if (this.pos + n > this.bytes.length) {
      throw new QberDecodeError(`input ends inside ${what}`, { offset: this.offset, path, expected: `${n} more bytes`, incomplete: true });
    }
  }

  /** The byte `ahead` bytes from the current position, if the input has it. */
  peek(ahead = 0): number | undefined {
    return this.bytes[this.pos + ahead];
  }

  u8(): number {
    return this.bytes[this.pos++] as number;
  }

  uint(size: 1 | 2 | 4): number {
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + (this.bytes[this.pos++] as number);
    return v;
  }

  be64(): bigint {
    const hi = this.uint(4);
    const lo = this.uint(4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  take(n: number): Uint8Array {
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

export class ByteWriter {
  private buf = new Uint8Array(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
  }

  uint(size: 1 | 2 | 4, v: number): void {
    this.room(size);
    for (let i = size - 1; i >= 0; i--) {
      this.buf[this.length + i] = v & 0xff;
      v = Math.floor(v / 256);
    }
    this.length += size;
  }

  be64(v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.uint(4, Number(u >> 32n));
    this.uint(4, Number(u & 0xffffffffn));
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
