/**
 * Zero-page detection: QEMU sends an all-zero page as a 1-byte ZERO record,
 * so whoever writes a stream has to classify every page.
 */
import { ZERO_SCAN, ZERO_SCAN_SIZE, simdKernel } from "./simd-kernel.js";

/** Whether every byte of `page` is zero. */
export function isZeroPage(page: Uint8Array): boolean {
  // Most non-zero pages have a non-zero byte near the start: answer those
  // without copying the page into the kernel.
  const probe = Math.min(page.length, 16);
  for (let i = 0; i < probe; i++) if (page[i] !== 0) return false;
  const k = simdKernel();
  for (let at = probe; at < page.length; at += ZERO_SCAN_SIZE) {
    const piece = page.subarray(at, Math.min(page.length, at + ZERO_SCAN_SIZE));
    k.bytes.set(piece, ZERO_SCAN);
    if (k.zeroMask(ZERO_SCAN, piece.length, 1) === 0) return false;
  }
  return true;
}

/**
 * Classifies the consecutive pages of `buf`: `into[p]` becomes 1 when page
 * p is all zero, else 0. A last page shorter than `pageSize` is classified
 * by the bytes it has. Returns `into`.
 */
export function classifyZeroPages(buf: Uint8Array, pageSize: number, into: Uint8Array = new Uint8Array(Math.ceil(buf.length / pageSize))): Uint8Array {
  if (!Number.isInteger(pageSize) || pageSize <= 0) throw new RangeError(`page size ${pageSize} is not a positive integer`);
  const pages = Math.ceil(buf.length / pageSize);
  if (into.length < pages) throw new RangeError(`${pages} pages do not fit in a result of ${into.length}`);
  if (pageSize > ZERO_SCAN_SIZE) {
    for (let p = 0; p < pages; p++) into[p] = isZeroPage(buf.subarray(p * pageSize, (p + 1) * pageSize)) ? 1 : 0;
    return into;
  }
  // Up to 32 pages per kernel call, one bit each in the returned mask.
  const perCall = Math.min(32, Math.floor(ZERO_SCAN_SIZE / pageSize));
  const k = simdKernel();
  for (let first = 0; first < pages; first += perCall) {
    const count = Math.min(perCall, pages - first);
    const start = first * pageSize;
    const stop = Math.min(buf.length, start + count * pageSize);
    k.bytes.set(buf.subarray(start, stop), ZERO_SCAN);
    const whole = Math.floor((stop - start) / pageSize);
    let mask = k.zeroMask(ZERO_SCAN, pageSize, whole);
    if (whole < count) {
      // The short last page.
      if (k.zeroMask(ZERO_SCAN + whole * pageSize, stop - start - whole * pageSize, 1) !== 0) mask |= 1 << whole;
    }
    for (let p = 0; p < count; p++) into[first + p] = (mask >>> p) & 1;
  }
  return into;
}
