/**
 * Finds the header fields of a (valid) QEMU 7.2 migration stream seed: record
 * types, section headers, counted-string lengths, RAM record headers, XBZRLE
 * lengths, footers, the configuration and vmdesc lengths. Device bodies are
 * opaque; their subsection markers are found by pattern. Lenient: it stops
 * where it cannot follow the stream.
 */

export type QemuFieldKind =
  | "type" // a record type byte
  | "u8len" // the length byte of a counted string
  | "be32" // a section id, instance id, version, footer id
  | "be32len" // a be32 length (configuration name, vmdesc, capability count)
  | "ramhdr" // a RAM record header (be64: offset | flags)
  | "be16len" // an XBZRLE payload length
  | "u8enc"; // the XBZRLE encoding byte

export interface QemuField {
  readonly at: number;
  readonly size: number;
  readonly kind: QemuFieldKind;
}

const PAGE = 4096;
const FLAG_ZERO = 0x02;
const FLAG_MEM_SIZE = 0x04;
const FLAG_PAGE = 0x08;
const FLAG_EOS = 0x10;
const FLAG_CONTINUE = 0x20;
const FLAG_XBZRLE = 0x40;

export function scanQemuFields(buf: Uint8Array): QemuField[] {
  const out: QemuField[] = [];
  let p = 8;
  const be32 = (at: number): number => ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
  const field = (size: number, kind: QemuFieldKind): number => {
    if (p + size > buf.length) throw new Error("cut");
    out.push({ at: p, size, kind });
    const at = p;
    p += size;
    return size === 1 ? buf[at]! : size === 2 ? (buf[at]! << 8) | buf[at + 1]! : size === 4 ? be32(at) : be32(at) * 0x100000000 + be32(at + 4);
  };
  const counted = (): string => {
    const n = field(1, "u8len");
    const s = Buffer.from(buf.subarray(p, p + n)).toString("latin1");
    p += n;
    return s;
  };
  const ram = (): void => {
    for (;;) {
      const header = field(8, "ramhdr");
      const flags = header % PAGE;
      const offset = header - flags;
      if (flags & FLAG_EOS) return;
      if (flags & FLAG_MEM_SIZE) {
        let remaining = offset;
        while (remaining > 0) {
          counted();
          const len = field(8, "be32");
          if (len <= 0) throw new Error("bad block");
          remaining -= len;
        }
        continue;
      }
      if (!(flags & FLAG_CONTINUE)) counted();
      if (flags & FLAG_ZERO) p += 1;
      else if (flags & FLAG_PAGE) p += PAGE;
      else if (flags & FLAG_XBZRLE) {
        field(1, "u8enc");
        const len = field(2, "be16len");
        p += len;
      } else throw new Error("unknown RAM record");
    }
  };
  const footer = (): void => {
    if (buf[p] === 0x7e) {
      field(1, "type");
      field(4, "be32");
    }
  };
  try {
    out.push({ at: 0, size: 4, kind: "be32" }, { at: 4, size: 4, kind: "be32" });
    while (p < buf.length) {
      const type = field(1, "type");
      if (type === 0x07) {
        const len = field(4, "be32len");
        p += len;
        while (buf[p] === 0x05) {
          field(1, "type");
          const sub = counted();
          field(4, "be32");
          if (sub.endsWith("target-page-bits")) field(4, "be32");
          else if (sub.endsWith("uuid")) p += 16;
          else if (sub.endsWith("capabilities")) {
            const n = field(4, "be32len");
            for (let i = 0; i < n; i++) counted();
          } else break;
        }
      } else if (type === 0x01 || type === 0x04) {
        const id = field(4, "be32");
        const name = counted();
        field(4, "be32");
        field(4, "be32");
        if (type === 0x01 && name === "ram") {
          ram();
          footer();
        } else {
          // A device body: find its footer (7e + id), marking subsections on the way.
          const start = p;
          let q = start;
          for (; q + 5 <= buf.length; q++) {
            if (buf[q] === 0x7e && be32(q + 1) === id) break;
          }
          for (let k = start; k + 2 < q; k++) {
            const n = buf[k + 1]!;
            if (buf[k] === 0x05 && n > 0 && k + 2 + n + 4 <= q && /^[\x20-\x7e]+$/.test(Buffer.from(buf.subarray(k + 2, k + 2 + n)).toString("latin1"))) {
              out.push({ at: k, size: 1, kind: "type" }, { at: k + 1, size: 1, kind: "u8len" }, { at: k + 2 + n, size: 4, kind: "be32" });
            }
          }
          p = q;
          footer();
        }
      } else if (type === 0x02 || type === 0x03) {
        field(4, "be32");
        ram();
        footer();
      } else if (type === 0x00) {
      } else if (type === 0x06) {
        const len = field(4, "be32len");
        p += len;
      } else {
        break;
      }
    }
  } catch (e) {
    // what was found so far
    if (process.env["QBER_FUZZ_DEBUG"]) console.error("qemu-map stopped:", e);
  }
  return out;
}
