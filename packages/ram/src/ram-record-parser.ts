/**
 * Reads RAM section bodies record by record, as far as the bytes at hand
 * go, so a streaming importer can feed it whatever has arrived.
 */
import { QberDecodeError } from "@qber/core";
import {
  type RamBlock,
  type RamFormatOptions,
  type RamParseState,
  type RamPageRecord,
  type RamRecord,
  RamFlag,
  XBZRLE_ENCODING,
  resolvePageSize,
} from "./ram-record.js";

export interface RamParseOptions extends RamFormatOptions {
  /** Stream offset of `buf[0]`, so errors name stream positions. Default 0. */
  readonly base?: number;
}

/**
 * Receives parsed records without a record object per page: for PAGE and
 * XBZRLE the data is `buf[dataStart, dataStart + dataLength)` of the buffer
 * being parsed (valid until the caller reuses it); for ZERO, `fill`.
 */
export interface RamRecordVisitor {
  page(kind: RamPageRecord["kind"], block: RamBlock, offset: number, continued: boolean, dataStart: number, dataLength: number, fill: number): void;
  /** MEM_SIZE and EOS records. */
  other(record: RamRecord): void;
}

/** A visitor that collects record objects into an array. */
function collectInto(records: RamRecord[], buf: Uint8Array): RamRecordVisitor {
  return {
    page(kind, block, offset, continued, dataStart, dataLength, fill) {
      if (kind === "zero") records.push({ kind, block: block.name, offset, continued, fill });
      else records.push({ kind, block: block.name, offset, continued, data: buf.subarray(dataStart, dataStart + dataLength) });
    },
    other(record) {
      records.push(record);
    },
  };
}

export interface RamParseProgress {
  /** Just after the last complete record read (the EOS when `done`). */
  readonly pos: number;
  /** The EOS record was read: the section body ends at `pos`. */
  readonly done: boolean;
  /**
   * When not done: how many bytes from `pos` the next record needs at least
   * (exact once the lengths inside it are available); call again when that
   * many are there. 0 when done.
   */
  readonly needed: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const TWO_POW_32 = 0x1_0000_0000;
/** Header words whose high half is at least this are >= 2^53. */
const HIGH_LIMIT = 0x20_0000;

/** A record cut off by `end`; carries how many bytes it needs from its start. */
class Cut {
  constructor(readonly needed: number) {}
}

/**
 * Parses the records in `buf[pos..end)` and appends them to `records`,
 * stopping after EOS or before the first record that is not complete.
 * `state` carries the block list and CONTINUE memory between calls and
 * sections; it only changes for records that were complete.
 *
 * PAGE and XBZRLE `data` are views into `buf`: copy them before reusing it.
 *
 * @throws QberDecodeError for anything QEMU 7.2 would not load, naming the
 *   feature for compressed pages, multifd flushes and RDMA hooks.
 */
export function parseRamRecords(
  buf: Uint8Array,
  pos: number,
  end: number,
  state: RamParseState,
  records: RamRecord[] | RamRecordVisitor,
  options: RamParseOptions = {},
): RamParseProgress {
  const out = Array.isArray(records) ? collectInto(records, buf) : records;
  const pageSize = resolvePageSize(options);
  const base = options.base ?? 0;
  const fail = (reason: string, at: number): never => {
    throw new QberDecodeError(reason, { offset: base + at });
  };

  let p = pos;
  const need = (count: number, recordStart: number): void => {
    if (p + count > end) throw new Cut(p + count - recordStart);
  };
  const u8 = (): number => buf[p++]!;
  const be32 = (): number => ((buf[p++]! << 24) | (buf[p++]! << 16) | (buf[p++]! << 8) | buf[p++]!) >>> 0;
  const be64 = (what: string): number => {
    const at = p;
    const high = be32();
    const low = be32();
    if (high >= HIGH_LIMIT) fail(`${what} 0x${high.toString(16)}${low.toString(16).padStart(8, "0")} is 2^53 or more`, at);
    return high * TWO_POW_32 + low;
  };
  const name = (recordStart: number): string => {
    need(1, recordStart);
    const length = u8();
    need(length, recordStart);
    const at = p;
    p += length;
    try {
      return utf8.decode(buf.subarray(at, p));
    } catch {
      return fail("RAM block name is not UTF-8", at - 1);
    }
  };

  let start = pos;
  try {
    for (;;) {
      start = p;
      need(8, start);
      const header = be64("RAM record header");
      const flags = header % pageSize;
      const offset = header - flags;
      if (flags & RamFlag.COMPRESS_PAGE) {
        fail("RAM page compressed with zlib (flag 0x100, multi-thread compression) is not supported", start);
      }
      const kind = flags & ~RamFlag.CONTINUE;
      if (kind === RamFlag.ZERO || kind === RamFlag.PAGE || kind === RamFlag.XBZRLE) {
        const continued = (flags & RamFlag.CONTINUE) !== 0;
        let block: RamBlock | undefined;
        if (continued) {
          block = state.lastBlock;
          if (block === undefined) fail("RAM page record continues a block but no earlier record named one", start);
        } else {
          const blockName = name(start);
          block = state.blocks.get(blockName);
          if (block === undefined) fail(`RAM page record names unknown block ${JSON.stringify(blockName)}`, start);
        }
        const b = block!;
        if (offset >= b.length)
          fail(`RAM page offset 0x${offset.toString(16)} is outside block ${JSON.stringify(b.name)} (length 0x${b.length.toString(16)})`, start);
        if (kind === RamFlag.ZERO) {
          need(1, start);
          out.page("zero", b, offset, continued, 0, 0, u8());
        } else if (kind === RamFlag.PAGE) {
          need(pageSize, start);
          out.page("page", b, offset, continued, p, pageSize, 0);
          p += pageSize;
        } else {
          need(3, start);
          const encoding = u8();
          if (encoding !== XBZRLE_ENCODING) fail(`XBZRLE page has encoding byte 0x${encoding.toString(16)}, not 0x01`, p - 1);
          const length = (u8() << 8) | u8();
          if (length > pageSize) fail(`XBZRLE payload of ${length} bytes is longer than a page`, p - 2);
          need(length, start);
          out.page("xbzrle", b, offset, continued, p, length, 0);
          p += length;
        }
        state.lastBlock = b;
        continue;
      }
      if (flags === RamFlag.EOS && offset === 0) {
        out.other({ kind: "eos" });
        return { pos: p, done: true, needed: 0 };
      }
      if (flags === RamFlag.MEM_SIZE) {
        const blocks: RamBlock[] = [];
        let remaining = offset;
        while (remaining > 0) {
          const blockName = name(start);
          need(8, start);
          const length = be64("RAM block length");
          let entry: RamBlock = { name: blockName, length };
          if (options.postcopyPageSize?.(blockName)) {
            need(8, start);
            entry = { ...entry, pageSize: be64("RAM block page size") };
          }
          if (options.ignoreShared) {
            need(8, start);
            entry = { ...entry, mrAddr: be64("RAM block address") };
          }
          if (length > remaining) fail(`RAM block lengths add up to more than the total 0x${offset.toString(16)}`, start);
          remaining -= length;
          blocks.push(entry);
        }
        out.other({ kind: "mem-size", total: offset, blocks });
        for (const b of blocks) state.blocks.set(b.name, b);
        continue;
      }
      failUnknown(flags, offset, start, fail);
    }
  } catch (e) {
    if (e instanceof Cut) return { pos: start, done: false, needed: e.needed };
    throw e;
  }
}

function failUnknown(flags: number, offset: number, at: number, fail: (reason: string, at: number) => never): never {
  const hex = `0x${flags.toString(16)}`;
  if (flags & (RamFlag.EOS | RamFlag.MEM_SIZE)) {
    // QEMU would ignore the extra bits; keeping them would need a record
    // shape no sender uses, so such a stream is refused.
    fail(`RAM record flags ${hex} with offset bits 0x${offset.toString(16)}: EOS and MEM_SIZE come alone`, at);
  }
  if (flags & RamFlag.HOOK) fail(`RAM record flags ${hex} carry the RDMA hook (0x80), which only RDMA migration uses`, at);
  if (flags & RamFlag.MULTIFD_FLUSH) fail(`RAM record flags ${hex} carry a multifd flush (0x200, QEMU 8.0 and later), unknown to QEMU 7.2`, at);
  if (flags === RamFlag.FULL) fail("RAM record flag 0x1 (FULL) is obsolete since 2009", at);
  return fail(`unknown combination of RAM record flags ${hex}`, at);
}
