/**
 * The records inside QEMU 7.2's RAM section bodies (idstr "ram", version 4;
 * legacy-format.md §5): every START, PART and END body is a sequence of
 * records, each introduced by a big-endian u64 whose bits below the target
 * page size are flags and whose upper bits are a page offset inside a RAM
 * block (or, for MEM_SIZE, the total RAM size).
 *
 * Offsets, lengths and sizes are plain numbers, not bigints: they are byte
 * counts inside one RAM block, and no machine has 2^53 bytes (8 PiB) of RAM,
 * so a number holds them exactly while costing no allocation per record (a
 * stream has one record per guest page). The parser rejects a field at or
 * above 2^53 instead of rounding it.
 */

/** The flag bits of the record header, as QEMU 7.2 defines them. */
export const RamFlag = {
  /** Obsolete since 2009; 7.2 rejects it. */
  FULL: 0x001,
  ZERO: 0x002,
  MEM_SIZE: 0x004,
  PAGE: 0x008,
  EOS: 0x010,
  CONTINUE: 0x020,
  XBZRLE: 0x040,
  HOOK: 0x080,
  COMPRESS_PAGE: 0x100,
  MULTIFD_FLUSH: 0x200,
} as const;

/** The only XBZRLE encoding byte QEMU knows (ENCODING_FLAG_XBZRLE). */
export const XBZRLE_ENCODING = 0x01;

/** One entry of the START section's block list. */
export interface RamBlock {
  readonly name: string;
  /** used_length in bytes. */
  readonly length: number;
  /** Only with postcopy-ram, for blocks whose page size differs from the host's. */
  readonly pageSize?: number;
  /** Only with x-ignore-shared: the block's guest address (mr->addr). */
  readonly mrAddr?: number;
}

/** Fields every page record has. */
interface PageRecordBase {
  /** The RAM block, named in the record or remembered (see `continued`). */
  readonly block: string;
  /** Byte offset of the page inside the block. */
  readonly offset: number;
  /** The CONTINUE flag: the record omits the block name. */
  readonly continued: boolean;
}

export type RamRecord =
  /** MEM_SIZE: the total of the block lengths, then the blocks. */
  | { readonly kind: "mem-size"; readonly total: number; readonly blocks: readonly RamBlock[] }
  /** ZERO: the page filled with `fill` (QEMU 7.2 writes 0 but honours any byte). */
  | (PageRecordBase & { readonly kind: "zero"; readonly fill: number })
  /** PAGE: the raw page. */
  | (PageRecordBase & { readonly kind: "page"; readonly data: Uint8Array })
  /** XBZRLE: the payload exactly as sent (encoding byte 0x01, be16 length). */
  | (PageRecordBase & { readonly kind: "xbzrle"; readonly data: Uint8Array })
  /** EOS: the end of this section's RAM data. */
  | { readonly kind: "eos" };

export type RamPageRecord = Extract<RamRecord, PageRecordBase>;

/** How the sender was configured; nothing in the records says. */
export interface RamFormatOptions {
  /** Target page size: the flag bits are the bits below it. Default 4096. */
  readonly pageSize?: number;
  /** x-ignore-shared was on: every block-list entry carries mr_addr. */
  readonly ignoreShared?: boolean;
  /**
   * postcopy-ram was on: which blocks' entries carry a page size (those
   * whose page size is not the host's, i.e. hugepage-backed blocks).
   */
  readonly postcopyPageSize?: (block: string) => boolean;
}

/**
 * What a RAM stream remembers from one section to the next: the block list
 * from START, and the block the last named page record named (CONTINUE
 * records refer to it, across section boundaries). Create one per stream
 * and pass it to every parse call, in stream order.
 */
export interface RamParseState {
  readonly blocks: Map<string, RamBlock>;
  lastBlock: RamBlock | undefined;
}

export function newRamParseState(): RamParseState {
  return { blocks: new Map(), lastBlock: undefined };
}

/** The writer's counterpart: the block CONTINUE records refer to. */
export interface RamWriteState {
  lastBlock: string | undefined;
}

export function newRamWriteState(): RamWriteState {
  return { lastBlock: undefined };
}

export function resolvePageSize(options: RamFormatOptions): number {
  const pageSize = options.pageSize ?? 4096;
  // The flags need the bits up to MULTIFD_FLUSH; QEMU targets use 4 KiB to 64 KiB.
  if (!Number.isInteger(pageSize) || pageSize < 0x400 || pageSize > 0x10000 || (pageSize & (pageSize - 1)) !== 0) {
    throw new RangeError(`RAM page size ${pageSize} is not a power of two from 1 KiB to 64 KiB`);
  }
  return pageSize;
}
