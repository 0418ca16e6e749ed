/**
 * INTEGER contents (X.690 8.3): big-endian two's complement, shortest form in
 * DER. Values that fit in 48 bits take a Number fast path; the rest go
 * through BigInt.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Decodes `len` content octets at `buf[pos]` (len >= 1). */
export function decodeInteger(buf: Uint8Array, pos: number, len: number): bigint {
  if (len <= 6) return BigInt(decodeSmallInteger(buf, pos, len));
  // Shifting a BigInt octet by octet is quadratic: a long INTEGER (a corrupt
  // length makes one of any size) goes through its hex text instead.
  if (len > 64) {
    let hex = "0x";
    for (let i = 0; i < len; i++) hex += HEX[buf[pos + i]!];
    return BigInt.asIntN(len * 8, BigInt(hex));
  }
  let v = BigInt.asIntN(8, BigInt(buf[pos]!));
  for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(buf[pos + i]!);
  return v;
}

/** Decodes at most 6 content octets (48 bits) as a Number. */
export function decodeSmallInteger(buf: Uint8Array, pos: number, len: number): number {
  let v = buf[pos]!;
  if (v & 0x80) v -= 256;
  for (let i = 1; i < len; i++) v = v * 256 + buf[pos + i]!;
  return v;
}

/** The first nine bits are all zeros or all ones: a shorter encoding exists. */
export function isNonMinimalInteger(buf: Uint8Array, pos: number, len: number): boolean {
  if (len < 2) return false;
  const a = buf[pos]!;
  const b = buf[pos + 1]!;
  return (a === 0x00 && b < 0x80) || (a === 0xff && b >= 0x80);
}

/** Number of content octets of the DER encoding of a safe integer `n`. */
export function integerLengthOfNumber(n: number): number {
  let len = 1;
  // Each octet holds 8 bits; one more is needed while the value does not
  // fit the signed range of the octets so far.
  while (n >= 128 || n < -128) {
    n = Math.floor(n / 256);
    len++;
  }
  return len;
}

/** Writes the `len` content octets of a safe integer `n` at `buf[pos]`. */
export function writeIntegerOfNumber(buf: Uint8Array, pos: number, n: number, len: number): void {
  for (let i = len - 1; i >= 0; i--) {
    buf[pos + i] = n & 0xff;
    n = Math.floor(n / 256);
  }
}

const SMALL = 2n ** 47n;

/** Number of content octets of the DER encoding of `v`. */
export function integerLength(v: bigint): number {
  if (v >= -SMALL && v < SMALL) return integerLengthOfNumber(Number(v));
  let len = 1;
  let n = v;
  while (n >= 128n || n < -128n) {
    n >>= 8n;
    len++;
  }
  return len;
}

/** Writes the `len` content octets of `v` (len from integerLength) at `buf[pos]`. */
export function writeInteger(buf: Uint8Array, pos: number, v: bigint, len: number): void {
  if (len <= 6) return writeIntegerOfNumber(buf, pos, Number(v), len);
  let n = v;
  for (let i = len - 1; i >= 0; i--) {
    buf[pos + i] = Number(n & 0xffn);
    n >>= 8n;
  }
}
