/**
 * Test-only walk of a QEMU 7.2 migration stream's framing: header,
 * configuration, RAM START/PART/END records (skipped record by record),
 * FULL device sections (their bodies handed to a callback that returns how
 * many bytes it read), EOF and the trailing vmdesc record.
 */
const RAM_FLAG = { ZERO: 0x02, MEM_SIZE: 0x04, PAGE: 0x08, EOS: 0x10, CONTINUE: 0x20, XBZRLE: 0x40, COMPRESS: 0x100 };
const PAGE_SIZE = 4096;

export interface FullSection {
  readonly id: number;
  readonly idstr: string;
  readonly instance: number;
  readonly version: number;
  /** Offset of the body (after the header). */
  readonly bodyOffset: number;
}

export interface WalkResult {
  readonly fulls: readonly (FullSection & { readonly bodyLength: number })[];
  readonly vmdesc: Uint8Array;
}

export function findVmdescRecord(buf: Uint8Array): { offset: number; json: Uint8Array } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let p = buf.length - 6; p >= 0; p--) {
    if (buf[p] !== 0x06) continue;
    const len = view.getUint32(p + 1);
    if (p + 5 + len === buf.length && buf[p + 5] === 0x7b) return { offset: p, json: buf.subarray(p + 5) };
  }
  throw new Error("no vmdesc record");
}

export function walkStream(buf: Uint8Array, onFull: (s: FullSection, index: number) => number): WalkResult {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const u8 = (): number => buf[pos++] as number;
  const be16 = (): number => {
    const v = view.getUint16(pos);
    pos += 2;
    return v;
  };
  const be32 = (): number => {
    const v = view.getUint32(pos);
    pos += 4;
    return v;
  };
  const be64 = (): bigint => {
    const v = view.getBigUint64(pos);
    pos += 8;
    return v;
  };
  const str = (): string => {
    const n = u8();
    const s = new TextDecoder("latin1").decode(buf.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const footer = (id: number): void => {
    if (buf[pos] !== 0x7e) return;
    pos++;
    const fid = be32();
    if (fid !== id) throw new Error(`footer ${fid} != ${id}`);
  };

  if (new TextDecoder("latin1").decode(buf.subarray(0, 4)) !== "QEVM") throw new Error("bad magic");
  pos = 4;
  if (be32() !== 3) throw new Error("bad version");
  if (buf[pos] === 0x07) {
    pos++;
    {
      const n = be32();
      pos += n;
    }
    while (buf[pos] === 0x05) {
      pos++;
      const name = str();
      be32();
      if (name === "configuration/target-page-bits") be32();
      else if (name === "configuration/capabilities") {
        const n = be32();
        for (let i = 0; i < n; i++) str();
      } else if (name === "configuration/uuid") pos += 16;
      else throw new Error(`unknown configuration subsection ${name}`);
    }
  }
  const ramBody = (): void => {
    for (;;) {
      const hdr = be64();
      const flags = Number(hdr & 0xfffn);
      let total = hdr & ~0xfffn;
      if (flags & RAM_FLAG.EOS) return;
      if (flags & RAM_FLAG.MEM_SIZE) {
        while (total > 0n) {
          str();
          total -= be64();
        }
        continue;
      }
      if (!(flags & RAM_FLAG.CONTINUE)) str();
      const kind = flags & ~RAM_FLAG.CONTINUE;
      if (kind === RAM_FLAG.ZERO) pos += 1;
      else if (kind === RAM_FLAG.PAGE) pos += PAGE_SIZE;
      else if (kind === RAM_FLAG.XBZRLE) {
        pos += 1;
        const n = be16();
        pos += n;
      } else if (kind === RAM_FLAG.COMPRESS) {
        const n = be32();
        pos += n;
      } else throw new Error(`RAM flags 0x${flags.toString(16)}`);
    }
  };
  const fulls: (FullSection & { bodyLength: number })[] = [];
  for (;;) {
    const type = u8();
    if (type === 0x00) break;
    if (type === 0x08) {
      be16();
      const n = be16();
      pos += n;
      continue;
    }
    if (type === 0x01 || type === 0x04) {
      const id = be32();
      const idstr = str();
      const instance = be32();
      const version = be32();
      if (type === 0x01) {
        ramBody();
        footer(id);
        continue;
      }
      const s = { id, idstr, instance, version, bodyOffset: pos };
      const bodyLength = onFull(s, fulls.length);
      pos += bodyLength;
      if (buf[pos] !== 0x7e) throw new Error(`no footer after ${idstr} body at ${pos}`);
      footer(id);
      fulls.push({ ...s, bodyLength });
      continue;
    }
    if (type === 0x02 || type === 0x03) {
      const id = be32();
      ramBody();
      footer(id);
      continue;
    }
    throw new Error(`section type 0x${type.toString(16)} at ${pos - 1}`);
  }
  const vm = findVmdescRecord(buf);
  if (vm.offset !== pos) throw new Error(`vmdesc at ${vm.offset}, EOF ended at ${pos}`);
  return { fulls, vmdesc: vm.json };
}
