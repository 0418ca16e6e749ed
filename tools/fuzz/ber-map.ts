/**
 * Finds the TLV headers of a (valid) BER seed, for mutations that rewrite a
 * header's tag or length bytes. Lenient: it stops at the first header it
 * cannot read and returns what it found.
 */

export interface TlvHeader {
  /** Offset of the identifier octets. */
  readonly at: number;
  readonly tagLength: number;
  /** Offset and size of the length octets. */
  readonly lengthAt: number;
  readonly lengthLength: number;
  readonly constructed: boolean;
  /** Content length, -1 when indefinite. */
  readonly length: number;
  /** End of the whole element (after the end-of-contents of an indefinite one). */
  end: number;
  readonly depth: number;
}

const MAX_HEADERS = 200_000;

export function scanTlvs(buf: Uint8Array): TlvHeader[] {
  const out: TlvHeader[] = [];
  try {
    scanRange(buf, 0, buf.length, false, 0, out);
  } catch {
    // a seed that does not parse gives what was found before
  }
  return out;
}

/** Scans elements from `pos` to `end` (or to an end-of-contents when `indefinite`); returns where it stopped. */
function scanRange(buf: Uint8Array, pos: number, end: number, indefinite: boolean, depth: number, out: TlvHeader[]): number {
  let p = pos;
  while (p < end && out.length < MAX_HEADERS) {
    if (indefinite && buf[p] === 0 && buf[p + 1] === 0) return p + 2;
    const at = p;
    const first = buf[p++]!;
    if ((first & 0x1f) === 0x1f) {
      while (p < end && buf[p]! & 0x80) p++;
      p++;
    }
    const tagLength = p - at;
    const lengthAt = p;
    const l = buf[p++];
    if (l === undefined) throw new Error("cut");
    let length: number;
    if (l < 0x80) length = l;
    else if (l === 0x80) length = -1;
    else {
      const n = l & 0x7f;
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + buf[p++]!;
    }
    const lengthLength = p - lengthAt;
    const constructed = (first & 0x20) !== 0;
    const h: TlvHeader = { at, tagLength, lengthAt, lengthLength, constructed, length, end: 0, depth };
    out.push(h);
    if (length < 0) p = scanRange(buf, p, end, true, depth + 1, out);
    else if (constructed) p = scanRange(buf, p, p + length, false, depth + 1, out);
    else p += length;
    h.end = p;
  }
  if (indefinite) throw new Error("no end-of-contents");
  return p;
}
