/**
 * XBZRLE, QEMU's page delta format (legacy-format.md §6): alternating runs
 * of unchanged and changed bytes, each run length a 14-bit ULEB, the
 * changed bytes inline, an unchanged tail left implicit.
 */
import { QberDecodeError } from "@qber/core";
import { ENCODED, MAX_XBZRLE_PAGE, NEW_PAGE, OLD_PAGE, simdKernel } from "./simd-kernel.js";

/**
 * Encodes the change from `old` to `cur` into `out`, exactly as QEMU 7.2's
 * encoder would with an output limit of `out.length` (QEMU uses the page
 * size). Returns the payload length, 0 when the pages are identical (QEMU
 * then sends nothing), or -1 when the payload does not fit (QEMU then sends
 * the whole page); on -1, `out` holds garbage.
 *
 * @throws RangeError when the pages differ in length or are longer than
 *   16383 bytes (run lengths are 14-bit).
 */
export function xbzrleEncode(old: Uint8Array, cur: Uint8Array, out: Uint8Array): number {
  const n = cur.length;
  if (old.length !== n) throw new RangeError(`XBZRLE pages differ in length (${old.length} and ${n})`);
  if (n > MAX_XBZRLE_PAGE) throw new RangeError(`XBZRLE page of ${n} bytes is longer than ${MAX_XBZRLE_PAGE}`);
  const k = simdKernel();
  k.bytes.set(old, OLD_PAGE);
  k.bytes.set(cur, NEW_PAGE);
  // Payloads never exceed 2n + 1 bytes, so any larger limit acts the same
  // and the kernel's output region is sized for 2n + 8.
  const length = k.encode(OLD_PAGE, NEW_PAGE, n, ENCODED, Math.min(out.length, 2 * n + 8));
  if (length > 0) out.set(k.bytes.subarray(ENCODED, ENCODED + length));
  return length;
}

/** A payload QEMU's decoder rejects; `at` is the byte of the payload at fault. Callers say which page it was for. */
function fail(reason: string, at: number): never {
  throw new QberDecodeError(reason, { offset: at });
}

/**
 * Applies an XBZRLE payload to `page` in place, accepting exactly what QEMU
 * 7.2's decoder accepts: non-minimal 2-byte lengths, payloads that leave the
 * end of the page as it was, and the empty payload. Everything it rejects
 * (legacy-format.md §6.3) throws a QberDecodeError whose offset is the
 * position in the payload of the offending run length. Nothing is ever
 * written outside `page`, but like QEMU this decodes in one pass, so runs
 * before the offending one have already been applied: a page whose delta is
 * rejected is not meaningful and should be dropped with the stream.
 */
export function xbzrleDecode(payload: Uint8Array, page: Uint8Array): void {
  const end = payload.length;
  const size = page.length;
  let i = 0;
  let d = 0;
  while (i < end) {
    const at = i;
    // QEMU wants 2 bytes wherever a length starts, even a 1-byte one.
    if (end - i < 2) fail("unchanged-run length is cut off", at);
    let zrun = payload[i++]!;
    if (zrun >= 0x80) {
      const high = payload[i++]!;
      if (high >= 0x80) fail("unchanged-run length is longer than 14 bits", at);
      zrun = (zrun & 0x7f) | (high << 7);
    }
    if (zrun === 0 && at !== 0) fail("empty unchanged run after the first", at);
    d += zrun;
    if (d > size) fail(`unchanged run ends at ${d}, past the ${size}-byte page`, at);
    const nzAt = i;
    if (end - i < 2) fail("changed-run length is cut off", nzAt);
    let nzrun = payload[i++]!;
    if (nzrun >= 0x80) {
      const high = payload[i++]!;
      if (high >= 0x80) fail("changed-run length is longer than 14 bits", nzAt);
      nzrun = (nzrun & 0x7f) | (high << 7);
    }
    if (nzrun === 0) fail("empty changed run", nzAt);
    if (d + nzrun > size) fail(`changed run ends at ${d + nzrun}, past the ${size}-byte page`, nzAt);
    if (i + nzrun > end) fail(`changed run needs ${nzrun} bytes, ${end - i} left`, nzAt);
    if (nzrun < 64) {
      // A subarray + set costs more than a short byte loop.
      const stop = i + nzrun;
      while (i < stop) page[d++] = payload[i++]!;
    } else {
      page.set(payload.subarray(i, i + nzrun), d);
      i += nzrun;
      d += nzrun;
    }
  }
}
