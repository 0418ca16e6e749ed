/**
 * The RAM iterator: composes the RAM part of a snapshot into a core
 * SectionWriter the way QEMU 7.2's precopy sender does (legacy-format.md
 * §5, §6.2). `setup()` writes the SecFull `ram` (version 4) with the block
 * list; `firstPass()` sends every page (a zero page as `compr`, any other as
 * `fullpage`); each `nextPass()` sends the pages dirtied since, using the
 * XBZRLE cache of what was last sent:
 *
 * - zero page: `compr`, and the cache entry (if it can be had) becomes zeros;
 * - cache miss: `fullpage`, and the page is inserted;
 * - cache hit: XBZRLE against the cached copy; identical → nothing is sent;
 *   payload over a page (overflow) → `fullpage`; the cache then holds the page.
 *
 * As in QEMU the cache is not used during the first pass: a page is only
 * delta-encoded once it has been sent again after the first complete pass.
 * Memory is the cache (allocated as it fills), one read buffer and the
 * writer's chunk, whatever the RAM size; pages are written with the writer's
 * backpressure.
 */
import type { RamPage, SecFull, SectionWriter } from "@qber/core";
import { RAM_PAGE_SIZE, type RamSource, checkBlock } from "./ram-source.js";
import { DEFAULT_XBZRLE_CACHE_SIZE, XbzrleCache } from "./xbzrle-cache.js";
import { xbzrleEncode } from "./xbzrle.js";

const ZERO_PAGE = Buffer.alloc(RAM_PAGE_SIZE);

export interface RamIteratorOptions {
  /** Section id of the `ram` section (SecFull and every SecMin); default 2, as in QEMU's pc machines. */
  readonly sectionId?: bigint | number;
  /**
   * XBZRLE for passes after the first (QEMU's `xbzrle` capability): true
   * (the default) for a cache of QEMU's default 64 MiB, `{ cacheSize }` in
   * bytes (rounded down to a power-of-two number of pages), or false to send
   * every dirty page whole.
   */
  readonly xbzrle?: boolean | { readonly cacheSize?: number };
  /** Most pages in one SecMin (default 65536); a pass longer than that is split into several, like QEMU's iterations. */
  readonly maxPagesPerSection?: number;
  /** Pages read from a source at a time (default 256: 1 MiB). */
  readonly readPages?: number;
}

/** What one pass sent. */
export interface RamPassStats {
  /** The pass number: 1 for the first. */
  readonly pass: number;
  /** Pages looked at (dirty). */
  readonly pages: number;
  readonly compr: number;
  readonly fullpage: number;
  readonly xbzrle: number;
  /** Pages not sent: identical to the cached copy. */
  readonly skipped: number;
  /** Pages sent whole because their XBZRLE payload would not fit a page. */
  readonly overflow: number;
  /** Pages sent whole because they were not cached. */
  readonly cacheMiss: number;
  /** Bytes of XBZRLE payload. */
  readonly xbzrleBytes: number;
  /** SecMin sections written. */
  readonly sections: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Pages per block: a name → page indices map or record. */
export type DirtyPages = ReadonlyMap<string, Iterable<number>> | Readonly<Record<string, Iterable<number>>>;

export interface RamPassInput {
  /**
   * The blocks' contents now, when they are not the sources the iterator was
   * made with (same names and lengths, any order). They replace those
   * sources for later passes too.
   */
  readonly sources?: readonly RamSource[];
  /** The dirty pages of each block, by name; a block not named has none. */
  readonly dirty?: DirtyPages;
  /**
   * Or: the contents at the previous pass, by block, to diff against; a
   * page is dirty where it differs. A block with no previous source is all dirty.
   */
  readonly previous?: readonly RamSource[];
}

function toBigInt(v: bigint | number, what: string): bigint {
  if (typeof v === "bigint") return v;
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what} ${v} is not a non-negative integer`);
  return BigInt(v);
}

/** Sorted, distinct page indices, all below `pages`. */
function normalizeDirty(name: string, list: Iterable<number>, pages: number): Uint32Array | Float64Array {
  const raw = Array.isArray(list) ? (list as number[]) : [...list];
  const out = pages <= 2 ** 32 ? new Uint32Array(raw.length) : new Float64Array(raw.length);
  let sorted = true;
  for (let i = 0; i < raw.length; i++) {
    const p = raw[i]!;
    if (!Number.isInteger(p) || p < 0 || p >= pages) throw new RangeError(`RAM block ${name}: dirty page ${p} is outside its ${pages} pages`);
    out[i] = p;
    if (i > 0 && p <= raw[i - 1]!) sorted = false;
  }
  if (sorted) return out;
  out.sort();
  let n = 0;
  for (let i = 0; i < out.length; i++) if (n === 0 || out[i] !== out[n - 1]) out[n++] = out[i]!;
  return out.subarray(0, n);
}

function dirtyFor(dirty: DirtyPages, name: string): Iterable<number> | undefined {
  if (dirty instanceof Map) return (dirty as ReadonlyMap<string, Iterable<number>>).get(name);
  const rec = dirty as Readonly<Record<string, Iterable<number>>>;
  return Object.hasOwn(rec, name) ? rec[name] : undefined;
}

export class RamIterator {
  readonly sectionId: bigint;
  private sources: RamSource[];
  /** Base of each block in the one address space the cache is keyed by (QEMU's ram_addr_t). */
  private readonly bases: number[];
  private readonly cache: XbzrleCache | undefined;
  private readonly maxPages: number;
  private readonly readPages: number;
  private readBuf: Uint8Array | undefined;
  private prevBuf: Uint8Array | undefined;
  private readonly encoded = new Uint8Array(RAM_PAGE_SIZE);
  private passNumber = 0;
  private setupDone = false;
  // Open SecMin / RAMSecBlock while a pass writes.
  private inMin = false;
  private block = -1;
  private pagesInMin = 0;
  private stats: Mutable<RamPassStats> = RamIterator.emptyStats(0);

  constructor(
    private readonly writer: SectionWriter,
    sources: readonly RamSource[],
    options: RamIteratorOptions = {},
  ) {
    this.sectionId = toBigInt(options.sectionId ?? 2n, "section id");
    const names = new Set<string>();
    let base = 0;
    this.bases = [];
    for (const s of sources) {
      checkBlock(s.name, s.length);
      if (names.has(s.name)) throw new RangeError(`RAM block ${s.name} is given twice`);
      names.add(s.name);
      this.bases.push(base);
      base += s.length;
    }
    this.sources = [...sources];
    const x = options.xbzrle ?? true;
    this.cache = x === false ? undefined : new XbzrleCache(x === true ? DEFAULT_XBZRLE_CACHE_SIZE : (x.cacheSize ?? DEFAULT_XBZRLE_CACHE_SIZE));
    this.maxPages = options.maxPagesPerSection ?? 65536;
    if (!(this.maxPages >= 1)) throw new RangeError(`maxPagesPerSection ${this.maxPages} is not positive`);
    this.readPages = Math.max(1, Math.floor(options.readPages ?? 256));
  }

  private static emptyStats(pass: number): Mutable<RamPassStats> {
    return { pass, pages: 0, compr: 0, fullpage: 0, xbzrle: 0, skipped: 0, overflow: 0, cacheMiss: 0, xbzrleBytes: 0, sections: 0 };
  }

  /** Passes started so far; during pass k the cache age (QEMU's dirty_sync_count) is k. */
  get passes(): number {
    return this.passNumber;
  }

  /** The blocks, in order. */
  get blocks(): readonly { readonly name: string; readonly length: number }[] {
    return this.sources.map((s) => ({ name: s.name, length: s.length }));
  }

  /** The setup section: SecFull `ram`, instance 0, version 4, with the block list. */
  setupSection(): SecFull {
    let total = 0n;
    const blocks = this.sources.map((s) => {
      total += BigInt(s.length);
      return { name: s.name, len: BigInt(s.length) };
    });
    return {
      kind: "full",
      name: "ram",
      sectionId: this.sectionId,
      instanceId: 0n,
      versionId: 4n,
      contents: { kind: "ramblid", value: { totalram: total, blocks } },
    };
  }

  /** Writes the setup section. */
  async setup(): Promise<void> {
    if (this.setupDone) throw new Error("the RAM setup section is already written");
    await this.writer.writeSection(this.setupSection());
    this.setupDone = true;
  }

  /** The setup section, then the first pass. */
  async start(): Promise<RamPassStats> {
    await this.setup();
    return this.firstPass();
  }

  /** The first complete pass: every page of every block. */
  async firstPass(): Promise<RamPassStats> {
    if (this.passNumber !== 0) throw new Error("the first pass is already done");
    return this.runPass({});
  }

  /** A later pass over the pages dirtied since the one before. */
  async nextPass(input: RamPassInput = {}): Promise<RamPassStats> {
    if (this.passNumber === 0) throw new Error("nextPass before the first pass");
    return this.runPass(input);
  }

  private async runPass(input: RamPassInput): Promise<RamPassStats> {
    if (!this.setupDone) throw new Error("the RAM setup section must be written first");
    if (input.dirty && input.previous) throw new RangeError("give dirty pages or previous contents, not both");
    // Everything is checked before anything is written.
    const sources = input.sources ? this.matchSources(input.sources) : this.sources;
    const names = new Set(sources.map((s) => s.name));
    const plan: (Uint32Array | Float64Array | RamSource | null | undefined)[] = [];
    if (input.dirty) {
      for (const name of input.dirty instanceof Map ? input.dirty.keys() : Object.keys(input.dirty)) {
        if (!names.has(name)) throw new RangeError(`dirty pages for unknown RAM block ${String(name)}`);
      }
      for (const src of sources) {
        const list = dirtyFor(input.dirty, src.name);
        plan.push(list ? normalizeDirty(src.name, list, src.length / RAM_PAGE_SIZE) : null);
      }
    } else {
      const previous = new Map<string, RamSource>();
      for (const p of input.previous ?? []) {
        if (!names.has(p.name)) throw new RangeError(`previous contents of unknown RAM block ${p.name}`);
        previous.set(p.name, p);
      }
      for (const src of sources) {
        const prev = previous.get(src.name);
        if (prev && prev.length !== src.length) throw new RangeError(`RAM block ${src.name}: previous contents have ${prev.length} bytes, not ${src.length}`);
        plan.push(prev);
      }
    }
    this.sources = sources;
    this.passNumber++;
    this.stats = RamIterator.emptyStats(this.passNumber);
    for (let b = 0; b < sources.length; b++) {
      const step = plan[b];
      if (step === null) continue;
      if (step instanceof Uint32Array || step instanceof Float64Array) await this.sendList(b, step);
      else await this.sendRange(b, 0, sources[b]!.length / RAM_PAGE_SIZE, step);
    }
    await this.closeMin();
    return { ...this.stats };
  }

  /** The new sources in block order; they must be the same blocks. */
  private matchSources(next: readonly RamSource[]): RamSource[] {
    const byName = new Map(next.map((s) => [s.name, s]));
    if (byName.size !== next.length || next.length !== this.sources.length) throw new RangeError("the new sources are not the same blocks");
    return this.sources.map((old) => {
      const s = byName.get(old.name);
      if (!s || s.length !== old.length) throw new RangeError(`RAM block ${old.name}: no source of ${old.length} bytes among the new sources`);
      return s;
    });
  }

  private buffer(which: "read" | "prev"): Uint8Array {
    const size = this.readPages * RAM_PAGE_SIZE;
    if (which === "read") return (this.readBuf ??= new Uint8Array(size));
    return (this.prevBuf ??= new Uint8Array(size));
  }

  /** `count` pages of block `b` from `first`, as a view (no copy when the source allows). */
  private async load(src: RamSource, first: number, count: number, which: "read" | "prev"): Promise<Uint8Array> {
    if (src.view) return src.view(first, count);
    const buf = this.buffer(which);
    const r = src.read(first, count, buf);
    if (r) await r;
    return buf.subarray(0, count * RAM_PAGE_SIZE);
  }

  /** Pages [first, end) of block `b`; with `prev`, only those that differ from it. */
  private async sendRange(b: number, first: number, end: number, prev: RamSource | undefined): Promise<void> {
    const src = this.sources[b]!;
    for (let at = first; at < end; ) {
      const count = Math.min(this.readPages, end - at);
      const cur = await this.load(src, at, count, "read");
      const old = prev ? await this.load(prev, at, count, "prev") : undefined;
      for (let i = 0; i < count; i++) {
        const page = cur.subarray(i * RAM_PAGE_SIZE, (i + 1) * RAM_PAGE_SIZE);
        if (old && Buffer.compare(page, old.subarray(i * RAM_PAGE_SIZE, (i + 1) * RAM_PAGE_SIZE)) === 0) continue;
        const w = this.sendPage(b, at + i, page);
        if (w) await w;
      }
      at += count;
    }
  }

  /** The listed pages of block `b` (sorted, distinct), read in runs. */
  private async sendList(b: number, list: Uint32Array | Float64Array): Promise<void> {
    const src = this.sources[b]!;
    for (let k = 0; k < list.length; ) {
      const first = list[k]!;
      let n = 1;
      while (k + n < list.length && n < this.readPages && list[k + n] === first + n) n++;
      const cur = await this.load(src, first, n, "read");
      for (let i = 0; i < n; i++) {
        const w = this.sendPage(b, first + i, cur.subarray(i * RAM_PAGE_SIZE, (i + 1) * RAM_PAGE_SIZE));
        if (w) await w;
      }
      k += n;
    }
  }

  /**
   * Sends one dirty page as QEMU's ram_save_target_page would. Returns a
   * promise only when the writer must drain (or a section must be opened or
   * closed) first.
   */
  private sendPage(b: number, index: number, page: Uint8Array): Promise<void> | undefined {
    const s = this.stats;
    s.pages++;
    const offset = index * RAM_PAGE_SIZE;
    const cache = this.passNumber > 1 ? this.cache : undefined;
    const addr = this.bases[b]! + offset;
    if (Buffer.compare(page, ZERO_PAGE) === 0) {
      // QEMU's xbzrle_cache_zero_page: a stale cached copy would be wrong.
      if (cache) cache.insert(addr, undefined, this.passNumber);
      s.compr++;
      return this.emit(b, { kind: "compr", addr: BigInt(offset) });
    }
    if (cache) {
      const slot = cache.lookup(addr, this.passNumber);
      if (slot < 0) {
        s.cacheMiss++;
        cache.insert(addr, page, this.passNumber);
      } else {
        const cached = cache.page(slot);
        const n = xbzrleEncode(cached, page, this.encoded);
        if (n === 0) {
          s.skipped++;
          return undefined;
        }
        cached.set(page);
        if (n > 0) {
          s.xbzrle++;
          s.xbzrleBytes += n;
          return this.emit(b, { kind: "xbzrle", addr: BigInt(offset), data: this.encoded.subarray(0, n) });
        }
        s.overflow++;
      }
    }
    s.fullpage++;
    return this.emit(b, { kind: "fullpage", addr: BigInt(offset), data: page });
  }

  /** Writes a page into the open block, opening (or rotating) the SecMin and block as needed. */
  private emit(b: number, page: RamPage): Promise<void> | undefined {
    if (!this.inMin || this.block !== b || this.pagesInMin >= this.maxPages) return this.emitSlow(b, page);
    this.pagesInMin++;
    return this.writer.writePage(page);
  }

  private async emitSlow(b: number, page: RamPage): Promise<void> {
    if (this.inMin && this.pagesInMin >= this.maxPages) await this.closeMin();
    if (!this.inMin) {
      this.writer.beginMin(this.sectionId);
      this.inMin = true;
      this.pagesInMin = 0;
      this.block = -1;
      this.stats.sections++;
    }
    if (this.block !== b) {
      if (this.block >= 0) this.writer.endBlock();
      this.writer.beginBlock(this.sources[b]!.name);
      this.block = b;
    }
    this.pagesInMin++;
    const w = this.writer.writePage(page);
    if (w) await w;
  }

  private async closeMin(): Promise<void> {
    if (!this.inMin) return;
    if (this.block >= 0) this.writer.endBlock();
    await this.writer.endMin();
    this.inMin = false;
    this.block = -1;
  }
}

/** One pass after the first: its dirty pages or previous contents (see RamPassInput). */
export type RamPass = RamPassInput;

/**
 * Composes the RAM of a snapshot into `writer`: the setup section, the first
 * pass, then one pass per entry of `passes`. The writer is left open (device
 * sections and close() are the caller's).
 */
export async function composeRam(
  writer: SectionWriter,
  sources: readonly RamSource[],
  passes: Iterable<RamPass> | AsyncIterable<RamPass> = [],
  options: RamIteratorOptions = {},
): Promise<RamPassStats[]> {
  const it = new RamIterator(writer, sources, options);
  const stats = [await it.start()];
  for await (const p of passes) stats.push(await it.nextPass(p));
  return stats;
}
