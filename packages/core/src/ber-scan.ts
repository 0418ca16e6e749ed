/**
 * Finds where one BER element ends without decoding it: definite values are
 * skipped by their length, indefinite ones by counting end-of-contents. No
 * recursion, so depth costs no stack.
 */
import { type BerHeader, NEED_MORE, newHeader, readHeader } from "./ber-header.js";

const h: BerHeader = newHeader();

export const SCAN_TOO_DEEP = -100;
export const SCAN_STRAY_EOC = -101;

/**
 * Returns the index just past the element at `buf[pos]`, NEED_MORE when it
 * runs past `end`, SCAN_TOO_DEEP beyond `maxDepth` nested indefinite values,
 * or a readHeader status for a malformed header.
 */
export function scanElement(buf: Uint8Array, pos: number, end: number, maxDepth: number): number {
  let p = pos;
  let depth = 0;
  for (;;) {
    const n = readHeader(buf, p, end, h);
    if (n < 0) return n;
    p += n;
    if (h.tag === 0 && !h.constructed && h.length === 0) {
      if (depth === 0) return SCAN_STRAY_EOC;
      depth--;
    } else if (h.length < 0) {
      if (++depth > maxDepth) return SCAN_TOO_DEEP;
      continue;
    } else {
      p += h.length;
      if (p > end) return NEED_MORE;
    }
    if (depth === 0) return p;
  }
}
