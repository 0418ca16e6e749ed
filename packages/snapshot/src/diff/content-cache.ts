/**
 * Page contents kept to apply XBZRLE deltas to, within a byte budget, least
 * recently written dropped first (the summaries of diff and report keep
 * digests of RAM, not RAM, so a delta's base must come from here).
 */
import { RAM_PAGE_SIZE as PAGE_SIZE } from "@qber/ram";

/** Page buffers are cut from slabs of this size: one allocation per 256 pages. */
const SLAB_BYTES = 256 * PAGE_SIZE;

interface CachedPage {
  readonly buf: Uint8Array;
  /** Number of the write that made it the page's contents. */
  seq: number;
}

/**
 * Page contents kept for XBZRLE, least recently written dropped first.
 * Buffers of dropped pages are reused, so a long file costs no allocation
 * (and no garbage) per page once the budget is reached. The write order is
 * a queue of (key, write number) with stale entries skipped, not the Map's
 * own order: taking a Map's first key after many deletions walks over
 * every deleted slot (11 µs per page at 65,536 pages).
 */
export class ContentCache {
  private readonly pages = new Map<number, CachedPage>();
  private bytes = 0;
  /** Keys dropped to stay in budget, so a later delta can say why it has no base. */
  private readonly dropped = new Set<number>();
  private readonly free: Uint8Array[] = [];
  private slab = new Uint8Array(0);
  private slabAt = 0;
  private orderKeys: number[] = [];
  private orderSeqs: number[] = [];
  private head = 0;
  private writes = 0;

  constructor(private readonly budget: number) {}

  static key(block: number, page: number): number {
    return block * 2 ** 32 + page;
  }

  get(key: number): Uint8Array | undefined {
    return this.pages.get(key)?.buf;
  }

  wasDropped(key: number): boolean {
    return this.dropped.has(key);
  }

  /** A buffer of `length` bytes, contents undefined: a reused one when page-sized. */
  buffer(length: number): Uint8Array {
    if (length !== PAGE_SIZE) return new Uint8Array(length);
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.slabAt === this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabAt = 0;
    }
    this.slabAt += PAGE_SIZE;
    return this.slab.subarray(this.slabAt - PAGE_SIZE, this.slabAt);
  }

  /** Keeps a copy of `data` as the contents of `key`. */
  keep(key: number, data: Uint8Array): void {
    const old = this.get(key);
    const buf = old?.length === data.length ? old : this.buffer(data.length);
    buf.set(data);
    this.adopt(key, buf);
  }

  /**
   * Makes `buf` the contents of `key`, as the most recently written: a
   * buffer from `buffer()`, or the one `get(key)` gave, changed in place.
   */
  adopt(key: number, buf: Uint8Array): void {
    const seq = ++this.writes;
    const cached = this.pages.get(key);
    if (cached?.buf === buf) {
      cached.seq = seq;
    } else {
      this.delete(key);
      if (buf.length > this.budget) {
        this.release(buf);
        this.dropped.add(key);
        return;
      }
      this.pages.set(key, { buf, seq });
      this.bytes += buf.length;
    }
    this.orderKeys.push(key);
    this.orderSeqs.push(seq);
    while (this.bytes > this.budget) this.dropOldest();
    const queued = this.orderKeys.length - this.head;
    if (queued > 2 * this.pages.size + 1024 || this.head > Math.max(65536, queued)) this.compactOrder();
  }

  private dropOldest(): void {
    while (this.head < this.orderKeys.length) {
      const key = this.orderKeys[this.head]!;
      const seq = this.orderSeqs[this.head]!;
      this.head++;
      if (this.pages.get(key)?.seq === seq) {
        this.delete(key);
        this.dropped.add(key);
        return;
      }
    }
  }

  /** Drops the queue's stale and consumed entries. */
  private compactOrder(): void {
    const keys: number[] = [];
    const seqs: number[] = [];
    for (let i = this.head; i < this.orderKeys.length; i++) {
      const key = this.orderKeys[i]!;
      const seq = this.orderSeqs[i]!;
      if (this.pages.get(key)?.seq !== seq) continue;
      keys.push(key);
      seqs.push(seq);
    }
    this.orderKeys = keys;
    this.orderSeqs = seqs;
    this.head = 0;
  }

  private release(buf: Uint8Array): void {
    if (buf.length === PAGE_SIZE) this.free.push(buf);
  }

  delete(key: number): void {
    const old = this.pages.get(key);
    if (old === undefined) return;
    this.pages.delete(key);
    this.bytes -= old.buf.length;
    this.release(old.buf);
  }

  forget(key: number): void {
    this.delete(key);
    this.dropped.delete(key);
  }
}
