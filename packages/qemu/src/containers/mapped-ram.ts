/**
 * QEMU's mapped-ram file layout (QEMU 9.0+, `mapped-ram` capability with a
 * `file:` migration; libvirt's "sparse" save format): the stream announces
 * the capability in its configuration, and in the RAM setup section each
 * block's entry is followed by a packed big-endian header {u32 version 1,
 * u64 page_size, u64 bitmap_offset, u64 pages_offset}, after which the
 * stream itself continues at pages_offset + the block's length. Page i of a
 * block is at pages_offset + i * page_size (absolute file offsets) when bit
 * i of the block's bitmap (64-bit little-endian words, written when the
 * migration completes) is set; zero pages are not written, and the RAM
 * sections of the stream carry only their end markers.
 *
 * Read here as the ordinary stream it stands for: the configuration without
 * the capability, the block list without the headers, then one RAM section
 * holding every page the bitmaps name, then the rest of the stream as it is.
 * So every reader of QEMU streams reads mapped-ram files too.
 */
import { LegacyReader, LegacyWriter, QberDecodeError, type VmStateEntry } from "@qber/core";
import { readConfiguration, writeConfiguration } from "../bridge/configuration.js";
import { containerError } from "./container.js";
import { type RandomAccess, readAt } from "./random-access.js";

const MAGIC = 0x5145564d;
const CONFIGURATION = 0x07;
const SECTION_START = 0x01;
const SECTION_PART = 0x02;
const FOOTER = 0x7e;
const FLAG_MEM_SIZE = 0x04;
const FLAG_PAGE = 0x08;
const FLAG_EOS = 0x10;
const FLAG_CONTINUE = 0x20;
const HEADER_SIZE = 28;
const CAPABILITY = "mapped-ram";
/** Enough for the file header and any configuration section (a name of at most 255 bytes, 64 capabilities). */
const HEAD = 64 * 1024;
/** Output is handed on in pieces of about this size. */
const CHUNK = 1 << 20;

export interface MappedRamBlock {
  readonly name: string;
  readonly length: number;
  readonly pageSize: number;
  readonly bitmapOffset: number;
  readonly pagesOffset: number;
}

export interface MappedRamLayout {
  readonly blocks: readonly MappedRamBlock[];
  /** The stream up to the end of the block list, rewritten as an ordinary stream. */
  readonly prefix: Uint8Array;
  readonly sectionId: number;
  /** File offset where the stream goes on after the last block (the setup section's end marker). */
  readonly rest: number;
}

function fail(name: string, why: string, offset: number, incomplete = false): never {
  throw containerError(new QberDecodeError(`${name}: mapped-ram file: ${why}`, { offset, incomplete }));
}

/** The configuration's entries without the mapped-ram capability, or undefined when it does not announce it. */
function withoutCapability(entries: readonly VmStateEntry[]): VmStateEntry[] | undefined {
  const sub = entries[2];
  if (sub?.kind !== "subsecl") return undefined;
  let found = false;
  const value = sub.value.flatMap((s) => {
    const caps = s.contents[1];
    if (s.name !== "configuration/capabilities" || caps?.kind !== "array") return [s];
    const kept = caps.value.filter((c) => !(c.kind === "oldblob" && Buffer.from(c.value).toString("latin1") === CAPABILITY));
    if (kept.length === caps.value.length) return [s];
    found = true;
    // QEMU writes the capabilities subsection only when there are capabilities to list.
    return kept.length === 0
      ? []
      : [
          {
            ...s,
            contents: [
              { kind: "int" as const, value: BigInt(kept.length) },
              { kind: "array" as const, value: kept },
            ],
          },
        ];
  });
  if (!found) return undefined;
  return value.length === 0 ? [entries[0]!, entries[1]!] : [entries[0]!, entries[1]!, { kind: "subsecl", value }];
}

/**
 * The layout of the mapped-ram stream at `start` of the file, or undefined
 * when the stream there is not one (no configuration, or no mapped-ram
 * capability in it: an ordinary stream, read as such).
 */
export async function readMappedRam(fh: RandomAccess, fileSize: number, name: string, start: number): Promise<MappedRamLayout | undefined> {
  const head = await readAt(fh, start, Math.min(HEAD, Math.max(0, fileSize - start)));
  const hv = new DataView(head.buffer, head.byteOffset, head.length);
  if (head.length < 9 || hv.getUint32(0) !== MAGIC || head[8] !== CONFIGURATION) return undefined;
  let entries: VmStateEntry[];
  const r = new LegacyReader(head.subarray(9));
  try {
    entries = await readConfiguration(r);
  } catch {
    // A configuration this cannot read is the importer's to report.
    return undefined;
  }
  const rewritten = withoutCapability(entries);
  if (!rewritten) return undefined;
  const parts: Uint8Array[] = [];
  const w = new LegacyWriter((c: Uint8Array) => void parts.push(c.slice()));
  w.header();
  w.configuration();
  writeConfiguration(w, rewritten);

  // The RAM setup section: its header, the total, then each block.
  let at = start + 9 + r.offset;
  const need = async (n: number, what: string): Promise<DataView> => {
    if (at + n > fileSize) fail(name, `the file ends inside ${what}`, at, true);
    const b = await readAt(fh, at, n);
    return new DataView(b.buffer, b.byteOffset, b.length);
  };
  let v = await need(6, "the RAM setup section");
  if (v.getUint8(0) !== SECTION_START) fail(name, "the RAM setup section does not follow the configuration", at);
  const sectionId = v.getUint32(1);
  const idLen = v.getUint8(5);
  const headerLength = 6 + idLen + 8;
  v = await need(headerLength + 8, "the RAM setup section");
  const idstr = Buffer.from(v.buffer, v.byteOffset + 6, idLen).toString("latin1");
  if (idstr !== "ram") fail(name, `the first live section is ${JSON.stringify(idstr)}, not "ram"`, at);
  const sectionHeader = new Uint8Array(v.buffer, v.byteOffset, headerLength).slice();
  const memSize = v.getBigUint64(headerLength);
  if ((memSize & 0xfffn) !== BigInt(FLAG_MEM_SIZE)) fail(name, "the RAM setup section does not start with the memory size", at + headerLength);
  let total = Number(memSize & ~0xfffn);
  w.bytes(sectionHeader);
  w.be64(Number(memSize));
  at += headerLength + 8;
  const blocks: MappedRamBlock[] = [];
  while (total > 0) {
    v = await need(1, "a RAM block entry");
    const len = v.getUint8(0);
    v = await need(1 + len + 8 + HEADER_SIZE, "a RAM block entry");
    const block = Buffer.from(v.buffer, v.byteOffset + 1, len).toString("latin1");
    const length = Number(v.getBigUint64(1 + len));
    const h = 1 + len + 8;
    const version = v.getUint32(h);
    const pageSize = Number(v.getBigUint64(h + 4));
    const bitmapOffset = Number(v.getBigUint64(h + 12));
    const pagesOffset = Number(v.getBigUint64(h + 20));
    const where = at + h;
    if (version !== 1) fail(name, `block ${block}: mapped-ram header version ${version}`, where);
    if (length === 0 || length > total) fail(name, `block ${block}: length ${length} is not within the memory size left (${total})`, at + 1 + len);
    if (!(pageSize >= 512 && pageSize <= 1 << 21 && (pageSize & (pageSize - 1)) === 0) || length % pageSize !== 0)
      fail(name, `block ${block}: page size ${pageSize}`, where + 4);
    const pages = length / pageSize;
    const bitmapBytes = Math.ceil(pages / 64) * 8;
    // Both offsets 0: a block QEMU does not migrate (shared memory with x-ignore-shared); the stream goes straight on.
    const skipped = bitmapOffset === 0 && pagesOffset === 0;
    // QEMU lays out header, bitmap, pages in that order, forward: so the stream moves on and every block costs file bytes.
    if (
      !skipped &&
      (bitmapOffset < where + HEADER_SIZE ||
        bitmapOffset + bitmapBytes > fileSize ||
        pagesOffset < bitmapOffset + bitmapBytes ||
        pagesOffset + length > fileSize)
    ) {
      fail(
        name,
        `block ${block}: its bitmap (at ${bitmapOffset}) or pages (at ${pagesOffset}, ${length} bytes) are outside the file (${fileSize} bytes) or before its header`,
        where + 12,
      );
    }
    w.countedString(block);
    w.be64(length);
    blocks.push({ name: block, length, pageSize, bitmapOffset, pagesOffset });
    total -= length;
    at = skipped ? at + h + HEADER_SIZE : pagesOffset + length;
  }
  await w.flush();
  return { blocks, prefix: Buffer.concat(parts), sectionId, rest: at };
}

/** The ordinary stream a mapped-ram file stands for (see the file comment), in pieces of about 1 MiB. */
export async function* mappedRamStream(fh: RandomAccess, fileSize: number, layout: MappedRamLayout, name: string): AsyncGenerator<Uint8Array, void, undefined> {
  yield layout.prefix;
  // The setup section's end: EOS and its footer.
  const tail = await readAt(fh, layout.rest, 13);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.length);
  if (tail.length < 13) fail(name, "the file ends before the RAM setup section does", layout.rest + tail.length, true);
  if (tv.getBigUint64(0) !== BigInt(FLAG_EOS) || tv.getUint8(8) !== FOOTER || tv.getUint32(9) !== layout.sectionId) {
    fail(name, "the RAM setup section does not end after its last block (expected its end marker and footer)", layout.rest);
  }
  yield tail;

  // One RAM section with every page the bitmaps name.
  let out: Uint8Array = new Uint8Array(CHUNK + 8 + 256 + (1 << 21));
  let pos = 0;
  const ov = (): DataView => new DataView(out.buffer);
  const put8 = (b: number): void => void (out[pos++] = b);
  const put32 = (n: number): void => {
    ov().setUint32(pos, n);
    pos += 4;
  };
  const put64 = (n: number): void => {
    ov().setBigUint64(pos, BigInt(n));
    pos += 8;
  };
  put8(SECTION_PART);
  put32(layout.sectionId);
  for (const b of layout.blocks) {
    if (b.bitmapOffset === 0 && b.pagesOffset === 0) continue;
    const pages = b.length / b.pageSize;
    const bitmap = await readAt(fh, b.bitmapOffset, Math.ceil(pages / 64) * 8);
    const bv = new DataView(bitmap.buffer, bitmap.byteOffset, bitmap.length);
    let first = true;
    for (let word = 0; word * 64 < pages; word++) {
      let bits = bv.getBigUint64(word * 8, true);
      for (let bit = 0; bits !== 0n; bit++, bits >>= 1n) {
        if ((bits & 1n) === 0n) continue;
        const page = word * 64 + bit;
        if (page >= pages) fail(name, `block ${b.name}: its bitmap names page ${page}, past its ${pages} pages`, b.bitmapOffset + word * 8);
        const offset = page * b.pageSize;
        if (out.length < pos + 8 + 256 + b.pageSize) out = grow(out, pos + 8 + 256 + b.pageSize);
        put64(offset + FLAG_PAGE + (first ? 0 : FLAG_CONTINUE));
        if (first) {
          const n = Buffer.from(b.name, "latin1");
          put8(n.length);
          out.set(n, pos);
          pos += n.length;
          first = false;
        }
        const data = await readAt(fh, b.pagesOffset + offset, b.pageSize);
        if (data.length < b.pageSize) fail(name, `block ${b.name}: page ${page} is cut short by the end of the file`, b.pagesOffset + offset, true);
        out.set(data, pos);
        pos += data.length;
        if (pos >= CHUNK) {
          yield out.slice(0, pos);
          pos = 0;
        }
      }
    }
  }
  put64(FLAG_EOS);
  put8(FOOTER);
  put32(layout.sectionId);
  yield out.slice(0, pos);

  // The rest of the stream as it is.
  for (let at = layout.rest + 13; at < fileSize; at += CHUNK) yield await readAt(fh, at, Math.min(CHUNK, fileSize - at));
}

function grow(buf: Uint8Array, size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set(buf);
  return b;
}
