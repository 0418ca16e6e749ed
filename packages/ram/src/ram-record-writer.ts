/**
 * Writes RAM records back in QEMU 7.2's byte format; records from
 * parseRamRecords come out byte-identical to what was parsed.
 */
import { QberEncodeError } from "@qber/core";
import { type RamFormatOptions, type RamRecord, type RamWriteState, RamFlag, XBZRLE_ENCODING, resolvePageSize } from "./ram-record.js";

const utf8 = new TextEncoder();
const TWO_POW_32 = 0x1_0000_0000;

/**
 * The bytes of `records`. `state` remembers the last named block across
 * calls (sections), so a `continued` record is checked to really continue
 * it: writing it otherwise would silently move the page to another block.
 *
 * @throws QberEncodeError for a record that cannot be written as given.
 */
/** A growable output, such as core's chunked writers: room for `n` bytes at `pos`. */
export interface RecordOutput {
  pos: number;
  reserve(n: number): Uint8Array;
}

export function writeRamRecords(records: readonly RamRecord[], state: RamWriteState, options: RamFormatOptions = {}, into?: RecordOutput): Uint8Array {
  const pageSize = resolvePageSize(options);
  const names = new Map<string, Uint8Array>();
  const nameBytes = (name: string): Uint8Array => {
    let b = names.get(name);
    if (b === undefined) {
      b = utf8.encode(name);
      if (b.length === 0 || b.length > 255) throw new QberEncodeError(`RAM block name ${JSON.stringify(name)} is not 1 to 255 bytes`);
      names.set(name, b);
    }
    return b;
  };

  let size = 0;
  for (const r of records) {
    switch (r.kind) {
      case "eos":
        size += 8;
        break;
      case "mem-size":
        size += 8;
        for (const b of r.blocks) size += 1 + nameBytes(b.name).length + 8 + (b.pageSize === undefined ? 0 : 8) + (b.mrAddr === undefined ? 0 : 8);
        break;
      default: {
        size += 8 + (r.continued ? 0 : 1 + nameBytes(r.block).length);
        if (r.kind === "zero") size += 1;
        else if (r.kind === "page") size += pageSize;
        else size += 3 + r.data.length;
      }
    }
  }

  // Written in place into `into` when given (no buffer per call), else into a new buffer.
  const out = into ? into.reserve(size) : new Uint8Array(size);
  const start = into ? into.pos : 0;
  let p = start;
  const be64 = (value: number, what: string): void => {
    if (!Number.isSafeInteger(value) || value < 0) throw new QberEncodeError(`${what} ${value} is not an integer from 0 to 2^53 - 1`);
    const high = Math.floor(value / TWO_POW_32);
    const low = value - high * TWO_POW_32;
    out[p++] = high >>> 24;
    out[p++] = high >>> 16;
    out[p++] = high >>> 8;
    out[p++] = high;
    out[p++] = low >>> 24;
    out[p++] = low >>> 16;
    out[p++] = low >>> 8;
    out[p++] = low;
  };
  const name = (b: Uint8Array): void => {
    out[p++] = b.length;
    out.set(b, p);
    p += b.length;
  };
  const header = (offset: number, flags: number): void => {
    if (offset % pageSize !== 0) throw new QberEncodeError(`RAM record offset 0x${offset.toString(16)} is not a multiple of the page size ${pageSize}`);
    be64(offset + flags, "RAM record offset");
  };

  for (const r of records) {
    switch (r.kind) {
      case "eos":
        header(0, RamFlag.EOS);
        break;
      case "mem-size": {
        const sum = r.blocks.reduce((s, b) => s + b.length, 0);
        if (sum !== r.total) throw new QberEncodeError(`RAM block lengths add up to ${sum}, not the total ${r.total}`);
        header(r.total, RamFlag.MEM_SIZE);
        for (const b of r.blocks) {
          name(nameBytes(b.name));
          be64(b.length, "RAM block length");
          if (b.pageSize !== undefined) be64(b.pageSize, "RAM block page size");
          if (b.mrAddr !== undefined) be64(b.mrAddr, "RAM block address");
        }
        break;
      }
      default: {
        const flag = r.kind === "zero" ? RamFlag.ZERO : r.kind === "page" ? RamFlag.PAGE : RamFlag.XBZRLE;
        if (r.continued && state.lastBlock !== r.block) {
          throw new QberEncodeError(`RAM page record continues block ${JSON.stringify(state.lastBlock ?? null)}, not ${JSON.stringify(r.block)}`);
        }
        header(r.offset, r.continued ? flag | RamFlag.CONTINUE : flag);
        if (!r.continued) name(nameBytes(r.block));
        state.lastBlock = r.block;
        if (r.kind === "zero") {
          if (!Number.isInteger(r.fill) || r.fill < 0 || r.fill > 255) throw new QberEncodeError(`ZERO page fill ${r.fill} is not a byte`);
          out[p++] = r.fill;
        } else if (r.kind === "page") {
          if (r.data.length !== pageSize) throw new QberEncodeError(`RAM page of ${r.data.length} bytes, not ${pageSize}`);
          out.set(r.data, p);
          p += pageSize;
        } else {
          if (r.data.length > pageSize) throw new QberEncodeError(`XBZRLE payload of ${r.data.length} bytes is longer than a page`);
          out[p++] = XBZRLE_ENCODING;
          out[p++] = r.data.length >>> 8;
          out[p++] = r.data.length;
          out.set(r.data, p);
          p += r.data.length;
        }
      }
    }
  }
  if (into) into.pos = p;
  return out.subarray(start, p);
}
