/**
 * A deliberately plain XBZRLE encoder, written byte by byte from the format
 * description (legacy-format.md §6.1–6.2), to check the fast one against.
 *
 * Runs are maximal; the payload alternates unchanged/changed runs starting
 * with an unchanged one (possibly empty); a final unchanged run is left out.
 * The output limit rules: before writing an unchanged-run length and before
 * writing a changed-run length there must be at least 2 bytes of room, and
 * after a changed-run length there must be room for its bytes. An identical
 * page gives 0, running out of room gives -1.
 */
export function referenceEncode(old: Uint8Array, cur: Uint8Array, limit: number): { length: number; payload: Uint8Array } {
  const out: number[] = [];
  const give = (length: number) => ({ length, payload: Uint8Array.from(out) });
  const writeLength = (n: number) => {
    if (n < 0x80) out.push(n);
    else out.push((n & 0x7f) | 0x80, n >> 7);
  };
  const n = cur.length;
  let i = 0;
  while (i < n) {
    if (out.length + 2 > limit) return give(-1);
    let same = 0;
    while (i < n && old[i] === cur[i]) {
      same++;
      i++;
    }
    if (same === n) return give(0);
    if (i === n) return give(out.length);
    writeLength(same);
    if (out.length + 2 > limit) return give(-1);
    const changedStart = i;
    while (i < n && old[i] !== cur[i]) i++;
    writeLength(i - changedStart);
    if (out.length + (i - changedStart) > limit) return give(-1);
    for (let k = changedStart; k < i; k++) out.push(cur[k]!);
  }
  return give(out.length);
}

/**
 * A plain XBZRLE decoder following the rules of legacy-format.md §6.3 one by
 * one. Returns the decoded page (a copy) or the name of the rule broken.
 */
export function referenceDecode(payload: Uint8Array, page: Uint8Array): Uint8Array | string {
  const out = page.slice();
  let i = 0;
  let d = 0;
  const readLength = (): number | undefined => {
    const first = payload[i]!;
    if (first < 0x80) {
      i += 1;
      return first;
    }
    const second = payload[i + 1]!;
    if (second >= 0x80) return undefined;
    i += 2;
    return (first & 0x7f) | (second << 7);
  };
  while (i < payload.length) {
    if (payload.length - i < 2) return "zrun cut off";
    const zrunAt = i;
    const zrun = readLength();
    if (zrun === undefined) return "zrun over 14 bits";
    if (zrun === 0 && zrunAt !== 0) return "empty zrun";
    d += zrun;
    if (d > out.length) return "zrun past page";
    if (payload.length - i < 2) return "nzrun cut off";
    const nzrun = readLength();
    if (nzrun === undefined) return "nzrun over 14 bits";
    if (nzrun === 0) return "empty nzrun";
    if (d + nzrun > out.length) return "nzrun past page";
    if (i + nzrun > payload.length) return "nzrun past payload";
    for (let k = 0; k < nzrun; k++) out[d + k] = payload[i + k]!;
    d += nzrun;
    i += nzrun;
  }
  return out;
}
