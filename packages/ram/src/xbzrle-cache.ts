/**
 * The sender's XBZRLE page cache, as QEMU 7.2 keeps it (migration/page_cache.c,
 * legacy-format.md §6.2): a direct-mapped table of a power-of-two number of
 * page slots, indexed by (address / page size) mod slots, holding the last
 * contents sent for the page that owns the slot. A slot owned by another page
 * is only taken over once its entry has gone unused for two dirty-sync
 * cycles (CACHED_PAGE_LIFETIME); a hit refreshes the entry's age.
 *
 * Addresses are QEMU's ram_addr_t: the block's base in one address space
 * shared by every block, plus the page offset in the block.
 *
 * The slot memory is one buffer allocated on the first insert; pages of it
 * that were never written stay untouched (not resident), so memory grows
 * with what is cached, up to the cache size and never beyond.
 */

/** Ages an entry must reach before another page may take its slot (QEMU's CACHED_PAGE_LIFETIME). */
export const CACHED_PAGE_LIFETIME = 2;

/** QEMU's default xbzrle-cache-size: 64 MiB. */
export const DEFAULT_XBZRLE_CACHE_SIZE = 64 * 1024 * 1024;

export class XbzrleCache {
  readonly pageSize: number;
  /** Number of slots: the cache size in pages, rounded down to a power of two. */
  readonly slots: number;
  private readonly mask: number;
  /** Address owning each slot, -1 when none. */
  private readonly addrs: Float64Array;
  /** Dirty-sync count when each slot was last inserted or hit. */
  private readonly ages: Float64Array;
  private data: Uint8Array | undefined;
  private used = 0;

  /**
   * @param sizeBytes cache size in bytes (QEMU's xbzrle-cache-size); the
   *   number of pages it holds is rounded down to a power of two
   * @throws RangeError when it holds less than one page
   */
  constructor(sizeBytes: number = DEFAULT_XBZRLE_CACHE_SIZE, pageSize = 4096) {
    if (!Number.isInteger(pageSize) || pageSize <= 0) throw new RangeError(`page size ${pageSize} is not a positive integer`);
    const pages = Math.floor(sizeBytes / pageSize);
    if (!(pages >= 1)) throw new RangeError(`XBZRLE cache of ${sizeBytes} bytes is smaller than one ${pageSize}-byte page`);
    if (pages * pageSize > 2 ** 31) throw new RangeError(`XBZRLE cache of ${sizeBytes} bytes is larger than 2 GiB`);
    let slots = 1;
    while (slots * 2 <= pages) slots *= 2;
    this.pageSize = pageSize;
    this.slots = slots;
    this.mask = slots - 1;
    this.addrs = new Float64Array(slots).fill(-1);
    this.ages = new Float64Array(slots);
  }

  /** Cache size in bytes, as used (slots × page size). */
  get sizeBytes(): number {
    return this.slots * this.pageSize;
  }

  /** Number of slots holding a page. */
  get count(): number {
    return this.used;
  }

  /** The slot an address maps to. */
  slotOf(addr: number): number {
    return Math.floor(addr / this.pageSize) & this.mask;
  }

  /**
   * QEMU's cache_is_cached: the slot holding `addr`, or -1 when the page is
   * not cached. A hit sets the entry's age to `age`.
   */
  lookup(addr: number, age: number): number {
    const slot = this.slotOf(addr);
    if (this.addrs[slot] !== addr) return -1;
    this.ages[slot] = age;
    return slot;
  }

  /** Whether `addr` is cached, without touching its age. */
  has(addr: number): boolean {
    return this.addrs[this.slotOf(addr)] === addr;
  }

  /**
   * QEMU's cache_insert: stores `page` (or zeros when `page` is undefined)
   * as the contents of `addr`. Refused (returns -1) when the slot belongs to
   * another page whose entry is still fresh (used within the last
   * CACHED_PAGE_LIFETIME cycles); else returns the slot.
   */
  insert(addr: number, page: Uint8Array | undefined, age: number): number {
    const slot = this.slotOf(addr);
    const owner = this.addrs[slot]!;
    if (owner >= 0 && owner !== addr && this.ages[slot]! + CACHED_PAGE_LIFETIME > age) return -1;
    if (owner < 0) this.used++;
    const view = this.page(slot);
    if (page === undefined) view.fill(0);
    else {
      if (page.length !== this.pageSize) throw new RangeError(`cached page has ${page.length} bytes, not ${this.pageSize}`);
      view.set(page);
    }
    this.addrs[slot] = addr;
    this.ages[slot] = age;
    return slot;
  }

  /** The cached contents in `slot`, as a view (writable: the sender updates it after an encode). */
  page(slot: number): Uint8Array {
    this.data ??= new Uint8Array(this.slots * this.pageSize);
    return this.data.subarray(slot * this.pageSize, (slot + 1) * this.pageSize);
  }

  /** Empties the cache (and frees its memory). */
  clear(): void {
    this.addrs.fill(-1);
    this.ages.fill(0);
    this.data = undefined;
    this.used = 0;
  }
}
