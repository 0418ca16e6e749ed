/**
 * Reads one BER identifier + length (X.690 8.1.2, 8.1.3) from a byte range.
 * It allocates nothing: the result goes into a caller-owned record and the
 * return value is the header's size or a negative status, so the same code
 * serves the contiguous decoder and the streaming reader.
 */
import { MAX_TAG_NUMBER } from "./tags.js";

export interface BerHeader {
  /** `class * 2^28 + number`, see tags.ts. */
  tag: number;
  constructed: boolean;
  /** Content length, or -1 for the indefinite form. */
  length: number;
  /** The length octets were not the shortest form (allowed in BER, not in DER). */
  longLength: boolean;
}

export function newHeader(): BerHeader {
  return { tag: 0, constructed: false, length: 0, longLength: false };
}

/** More bytes are needed to read the header. */
export const NEED_MORE = -1;
const BAD_TAG_LEADING_ZERO = -2;
const BAD_TAG_SHORT_NUMBER = -3;
const BAD_TAG_TOO_LARGE = -4;
const BAD_LENGTH_RESERVED = -5;
const BAD_LENGTH_TOO_LARGE = -6;
const BAD_PRIMITIVE_INDEFINITE = -7;

const MAX_LENGTH_BEFORE_SHIFT = Math.floor(Number.MAX_SAFE_INTEGER / 256);

const messages: Record<number, string> = {
  [BAD_TAG_LEADING_ZERO]: "bad tag encoding: long-form tag number starts with a zero group",
  [BAD_TAG_SHORT_NUMBER]: "bad tag encoding: tag number below 31 in long form",
  [BAD_TAG_TOO_LARGE]: "bad tag encoding: tag number too large",
  [BAD_LENGTH_RESERVED]: "bad length encoding: the reserved length octet 0xff",
  [BAD_LENGTH_TOO_LARGE]: "bad length encoding: length does not fit in 2^53",
  [BAD_PRIMITIVE_INDEFINITE]: "bad length encoding: indefinite length on a primitive value",
};

export function headerErrorMessage(status: number): string {
  return messages[status] ?? `header status ${status}`;
}

/**
 * Parses the header at `buf[pos]`, reading no further than `end`.
 * Returns the header size (> 0), NEED_MORE, or another negative status for a
 * malformed header (see headerErrorMessage).
 */
export function readHeader(buf: Uint8Array, pos: number, end: number, h: BerHeader): number {
  if (pos >= end) return NEED_MORE;
  const first = buf[pos]!;
  let p = pos + 1;
  let num = first & 0x1f;
  if (num === 0x1f) {
    num = 0;
    let b: number;
    let groups = 0;
    do {
      if (p >= end) return NEED_MORE;
      b = buf[p++]!;
      if (groups === 0 && b === 0x80) return BAD_TAG_LEADING_ZERO;
      if (++groups > 4) return BAD_TAG_TOO_LARGE;
      num = num * 128 + (b & 0x7f);
    } while (b & 0x80);
    if (num < 31) return BAD_TAG_SHORT_NUMBER;
    if (num > MAX_TAG_NUMBER) return BAD_TAG_TOO_LARGE;
  }
  h.tag = (first >> 6) * 0x10000000 + num;
  h.constructed = (first & 0x20) !== 0;
  if (p >= end) return NEED_MORE;
  const l = buf[p++]!;
  h.longLength = false;
  if (l < 0x80) {
    h.length = l;
  } else if (l === 0x80) {
    if (!h.constructed) return BAD_PRIMITIVE_INDEFINITE;
    h.length = -1;
  } else if (l === 0xff) {
    return BAD_LENGTH_RESERVED;
  } else {
    const n = l & 0x7f;
    if (p + n > end) return NEED_MORE;
    let len = 0;
    for (let i = 0; i < n; i++) {
      if (len > MAX_LENGTH_BEFORE_SHIFT) return BAD_LENGTH_TOO_LARGE;
      len = len * 256 + buf[p + i]!;
    }
    h.longLength = buf[p] === 0 || len < 0x80;
    h.length = len;
    p += n;
  }
  return p - pos;
}
