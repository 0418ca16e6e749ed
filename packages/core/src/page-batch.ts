/**
 * A batch of RAM pages from the streaming reader, held as parallel typed
 * arrays rather than one object per page, so walking millions of pages
 * allocates nothing. Page data stays in the input chunk (`bytes`) and is
 * reached by offset; `page(i)` or iteration builds RamPage objects on demand.
 *
 * A batch, and every view taken from it, is valid until the next batch is
 * requested: the reader reuses both the batch and the chunk buffers.
 */
import type { RamPage } from "./types.js";

export type PageKind = RamPage["kind"];

const KINDS: readonly PageKind[] = ["compr", "fullpage", "xbzrle", "hook"];
export const KIND_COMPR = 0;
export const KIND_FULL = 1;
export const KIND_XBZRLE = 2;
export const KIND_HOOK = 3;

const EMPTY = new Uint8Array(0);

export class PageBatch implements Iterable<RamPage> {
  /** Number of pages in the batch. */
  length = 0;
  /** The chunk that page data offsets refer to. */
  bytes: Uint8Array = EMPTY;
  private kinds: Uint8Array;
  private addrs: Float64Array;
  private offsets: Int32Array;
  private lengths: Int32Array;
  /** Pages that did not fit the arrays: addresses beyond 2^53, data outside `bytes`. */
  private readonly big = new Map<number, bigint>();
  private readonly outside = new Map<number, Uint8Array>();

  constructor(capacity: number) {
    this.kinds = new Uint8Array(capacity);
    this.addrs = new Float64Array(capacity);
    this.offsets = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.kinds.length;
  }

  /** Starts a new batch over `bytes`. */
  reset(bytes: Uint8Array): void {
    this.length = 0;
    this.bytes = bytes;
    if (this.big.size > 0) this.big.clear();
    if (this.outside.size > 0) this.outside.clear();
  }

  /** Adds a page whose data (if any) is `bytes[offset, offset + length)`. */
  push(kind: number, addr: number, offset: number, length: number): void {
    const i = this.length++;
    this.kinds[i] = kind;
    this.addrs[i] = addr;
    this.offsets[i] = offset;
    this.lengths[i] = length;
  }

  /** Adds a page whose address does not fit a Number exactly. */
  pushBig(kind: number, addr: bigint, offset: number, length: number): void {
    const small = addr >= -MAX_SAFE && addr <= MAX_SAFE;
    if (!small) this.big.set(this.length, addr);
    this.push(kind, small ? Number(addr) : NaN, offset, length);
  }

  /** Adds a page decoded elsewhere (any address, data anywhere). */
  pushPage(p: RamPage): void {
    const hasData = p.kind === "fullpage" || p.kind === "xbzrle";
    if (hasData) this.outside.set(this.length, p.data);
    this.pushBig(KINDS.indexOf(p.kind), p.kind === "hook" ? 0n : p.addr, -1, hasData ? p.data.length : 0);
  }

  kind(i: number): PageKind {
    return KINDS[this.kinds[i]!]!;
  }

  /** Kind as a small integer (KIND_COMPR, KIND_FULL, KIND_XBZRLE, KIND_HOOK). */
  kindCode(i: number): number {
    return this.kinds[i]!;
  }

  /** The page's address, exact. */
  addr(i: number): bigint {
    const n = this.addrs[i]!;
    return Number.isNaN(n) ? this.big.get(i)! : BigInt(n);
  }

  /** The page's address as a Number: exact up to 2^53, NaN beyond. */
  addrNumber(i: number): number {
    return this.addrs[i]!;
  }

  /** Offset of the page's data in `bytes`, or -1 when it lives elsewhere (see `data`). */
  dataOffset(i: number): number {
    return this.offsets[i]!;
  }

  dataLength(i: number): number {
    return this.lengths[i]!;
  }

  /** The page's data as a view (empty for compr and hook pages). */
  data(i: number): Uint8Array {
    const off = this.offsets[i]!;
    if (off < 0) return this.outside.get(i) ?? EMPTY;
    return this.bytes.subarray(off, off + this.lengths[i]!);
  }

  page(i: number): RamPage {
    switch (this.kinds[i]) {
      case KIND_COMPR:
        return { kind: "compr", addr: this.addr(i) };
      case KIND_FULL:
        return { kind: "fullpage", addr: this.addr(i), data: this.data(i) };
      case KIND_XBZRLE:
        return { kind: "xbzrle", addr: this.addr(i), data: this.data(i) };
      default:
        return { kind: "hook" };
    }
  }

  *[Symbol.iterator](): Iterator<RamPage> {
    for (let i = 0; i < this.length; i++) yield this.page(i);
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
