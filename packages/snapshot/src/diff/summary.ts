/**
 * One streaming pass over a qber file that keeps what `qber diff` and
 * `qber report` need, and no RAM: every section (as `qber inspect` lists
 * them), each device's fields in their JSON form, and per RAM block the
 * final state of every page as the file describes it (pages applied in
 * order, XBZRLE deltas included) reduced to its last kind (1 byte) and a
 * digest of its final contents (16 bytes: SHA-256, truncated) per 4 KiB page.
 * SHA-256 rather than MD5: a file from a compromised host could pair pages
 * whose MD5 collides and hide a difference, and with the CPU's SHA
 * instructions SHA-256 is also twice as fast.
 *
 * XBZRLE deltas apply to the page's earlier contents, so the contents of
 * pages last sent whole (or decoded from a delta) are kept in a cache with a
 * byte budget (`xbzrleCacheBytes`, least recently written dropped first);
 * a delta for a page whose contents were dropped is an error that names the
 * budget. Zero pages and pages never sent need no cache: they are zeros.
 */
import { hash } from "node:crypto";
import { type GuestPhysical, GuestMapReader } from "../dump/guest-map-reader.js";
import {
  type ByteSource,
  type DecodeLimits,
  KIND_COMPR,
  KIND_FULL,
  KIND_HOOK,
  KIND_XBZRLE,
  type PageBatch,
  type Registry,
  type SecFull,
  emptyRegistry,
  readSections,
} from "@qber/core";
import { xbzrleDecode } from "@qber/ram";
import { type Vmdesc, describeFromVmdesc, entriesToState, parseVmdesc, stateToJson } from "@qber/vmstate";
import { RESERVED_SECTION_ID, reservedKind } from "@qber/core";
import type { DecodedByName, InspectedSection, SectionKind } from "../inspect/inspect-file.js";
import { jsonNumber, toJsonForm } from "../json-values.js";

export const PAGE_SIZE = 4096;

/** Last kind of a page, as kept in `RamBlockSummary.kinds`. */
export const PAGE_NEVER = 0;
export const PAGE_ZERO = 1;
export const PAGE_FULL = 2;
export const PAGE_XBZRLE = 3;
export const PAGE_KIND_NAMES = ["never", "zero", "full", "xbzrle"] as const;
export type PageKindName = (typeof PAGE_KIND_NAMES)[number];

/** The digest of a page's final contents: SHA-256, its first 16 bytes. */
function digest(page: Uint8Array): Uint8Array {
  return hash("sha256", page, "buffer").subarray(0, 16);
}

/** Digest of a page of zeros: the final contents of zero pages and pages never sent. */
export const ZERO_PAGE_DIGEST: Uint8Array = digest(new Uint8Array(PAGE_SIZE));

/** A section whose contents are compared field by field (devices, and configuration, stream info, RAM setup). */
export interface SectionState {
  readonly name: string;
  readonly instance: number | string;
  readonly version: number | string;
  readonly kind: SectionKind;
  readonly decodedBy: DecodedByName | null;
  readonly plugin?: string;
  /** The contents in JSON form: fields by name when decoded, else the raw entries (bigints as decimal strings, bytes as hex). */
  readonly fields: unknown;
}

export interface RamBlockSummary {
  readonly name: string;
  /** Length in bytes from the RAM setup section; undefined when the file has none for this block. */
  readonly length: number | undefined;
  /** Pages in the block: length / 4096, or one past the highest page sent when the length is unknown. */
  readonly pages: number;
  /** Last kind per page index (PAGE_NEVER, PAGE_ZERO, PAGE_FULL, PAGE_XBZRLE); `pages` entries. */
  readonly kinds: Uint8Array;
  /** Digest (SHA-256, first 16 bytes) of each page's final contents, 16 bytes per page index; meaningful for PAGE_FULL and PAGE_XBZRLE pages only. */
  readonly digests: Uint8Array;
  /** Page records in the file, by kind (a page sent twice counts twice). */
  readonly records: { readonly zero: number; readonly full: number; readonly xbzrle: number; readonly hook: number };
}

export interface SnapshotSummary {
  readonly sections: readonly InspectedSection[];
  /** Sections compared by `qber diff`, in file order. */
  readonly states: readonly SectionState[];
  readonly ram: readonly RamBlockSummary[];
  /** Where the guest sees each RAM block (see @qber/snapshot/dump), or why that is not known. */
  readonly guestPhysical: GuestPhysical;
  /** Bytes read. */
  readonly bytes: number;
}

export interface SummarizeOptions {
  readonly registry?: Registry;
  /** Most bytes of page contents kept to apply XBZRLE deltas (default 256 MiB). */
  readonly xbzrleCacheBytes?: number;
  /** Name used in error messages. */
  readonly name?: string;
  readonly limits?: Partial<DecodeLimits>;
  readonly onProgress?: (offset: number) => void;
}

export const DEFAULT_XBZRLE_CACHE_BYTES = 256 * 1024 * 1024;




class BlockState {
  kinds: Uint8Array;
  digests: Uint8Array;
  highest = -1;
  readonly records = { zero: 0, full: 0, xbzrle: 0, hook: 0 };

  constructor(
    readonly name: string,
    readonly index: number,
    public length: number | undefined,
  ) {
    const pages = length === undefined ? 256 : Math.ceil(length / PAGE_SIZE);
    this.kinds = new Uint8Array(pages);
    this.digests = new Uint8Array(pages * 16);
  }

  ensure(page: number): void {
    if (page < this.kinds.length) return;
    let n = Math.max(16, this.kinds.length * 2);
    while (n <= page) n *= 2;
    const kinds = new Uint8Array(n);
    kinds.set(this.kinds);
    const digests = new Uint8Array(n * 16);
    digests.set(this.digests);
    this.kinds = kinds;
    this.digests = digests;
  }

  summary(): RamBlockSummary {
    const pages = this.length === undefined ? this.highest + 1 : Math.max(Math.ceil(this.length / PAGE_SIZE), this.highest + 1);
    return {
      name: this.name,
      length: this.length,
      pages,
      kinds: this.kinds.length === pages ? this.kinds : this.kinds.slice(0, pages),
      digests: this.digests.length === pages * 16 ? this.digests : this.digests.slice(0, pages * 16),
      records: { ...this.records },
    };
  }
}

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
class ContentCache {
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

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** Reads a qber BER file through once and summarizes it (see the module comment). */
export async function summarizeSnapshot(source: ByteSource, options: SummarizeOptions = {}): Promise<SnapshotSummary> {
  const registry = options.registry ?? emptyRegistry;
  const who = options.name ?? "input";
  const sections: InspectedSection[] = [];
  const states: SectionState[] = [];
  const blocks = new Map<string, BlockState>();
  const cache = new ContentCache(options.xbzrleCacheBytes ?? DEFAULT_XBZRLE_CACHE_BYTES);
  const mins: { index: number; section: { readonly length: number | undefined } }[] = [];
  let vmdesc: Vmdesc | undefined;
  let deviceIndex = 0;
  let end = 0;
  const guest = new GuestMapReader();

  const blockFor = (name: string, length?: number): BlockState => {
    let b = blocks.get(name);
    if (b === undefined) {
      b = new BlockState(name, blocks.size, length);
      blocks.set(name, b);
    } else if (length !== undefined && b.length === undefined) {
      b.length = length;
      b.ensure(Math.ceil(length / PAGE_SIZE) - 1);
    }
    return b;
  };

  const applyBatch = (b: BlockState, batch: PageBatch): void => {
    for (let i = 0; i < batch.length; i++) {
      const code = batch.kindCode(i);
      if (code === KIND_HOOK) {
        b.records.hook++;
        continue;
      }
      const addr = batch.addrNumber(i);
      if (!Number.isFinite(addr) || addr < 0 || addr % PAGE_SIZE !== 0 || addr / PAGE_SIZE >= 2 ** 32) {
        throw new Error(`${who}: RAM block ${b.name}: page address ${Number.isNaN(addr) ? batch.addr(i).toString() : addr} is not a page offset qber can map`);
      }
      const page = addr / PAGE_SIZE;
      b.ensure(page);
      if (page > b.highest) b.highest = page;
      const key = ContentCache.key(b.index, page);
      if (code === KIND_COMPR) {
        b.records.zero++;
        b.kinds[page] = PAGE_ZERO;
        cache.forget(key);
      } else if (code === KIND_FULL) {
        b.records.full++;
        const data = batch.data(i);
        b.kinds[page] = PAGE_FULL;
        b.digests.set(digest(data), page * 16);
        cache.keep(key, data);
      } else if (code === KIND_XBZRLE) {
        b.records.xbzrle++;
        const before = b.kinds[page]!;
        let contents: Uint8Array;
        if (before === PAGE_NEVER || before === PAGE_ZERO) {
          contents = cache.buffer(PAGE_SIZE).fill(0);
        } else {
          const kept = cache.get(key);
          if (kept === undefined) {
            throw new Error(
              cache.wasDropped(key)
                ? `${who}: RAM block ${b.name}: the XBZRLE page at ${hex(addr)} applies to contents dropped to keep within the XBZRLE cache of ${options.xbzrleCacheBytes ?? DEFAULT_XBZRLE_CACHE_BYTES} bytes; use a larger cache`
                : `${who}: RAM block ${b.name}: the XBZRLE page at ${hex(addr)} has no earlier contents to apply to`,
            );
          }
          contents = kept;
        }
        try {
          xbzrleDecode(batch.data(i), contents);
        } catch (e) {
          throw new Error(`${who}: RAM block ${b.name}: page at ${hex(addr)}: ${(e as Error).message}`);
        }
        b.kinds[page] = PAGE_XBZRLE;
        b.digests.set(digest(contents), page * 16);
        cache.adopt(key, contents);
      }
    }
  };

  for await (const s of readSections(source, registry, options.limits ? { limits: options.limits } : {})) {
    options.onProgress?.(s.offset);
    if (s.kind === "min") {
      mins.push({ index: sections.length, section: s });
      sections.push({ id: jsonNumber(s.sectionId), name: null, instance: null, version: null, kind: "ram", bytes: 0, offset: s.offset, decodedBy: null });
      for await (const block of s.blocks) {
        const b = blockFor(block.name);
        for await (const batch of block.pages) applyBatch(b, batch);
      }
      continue;
    }
    end = s.offset + s.length;
    guest.add(s);
    const sec = s.section;
    const base = { id: jsonNumber(sec.sectionId), name: sec.name, instance: jsonNumber(sec.instanceId), version: jsonNumber(sec.versionId), bytes: s.length, offset: s.offset };
    const identity = { name: sec.name, instance: jsonNumber(sec.instanceId), version: jsonNumber(sec.versionId) };
    const reserved = sec.sectionId === RESERVED_SECTION_ID ? reservedKind(sec.name) : undefined;
    if (reserved !== undefined) {
      if (reserved === "vmdesc" && sec.contents.kind === "oldblob") vmdesc = parseVmdesc(sec.contents.value);
      sections.push({ ...base, kind: reserved, decodedBy: null });
      if (reserved === "configuration" || reserved === "stream-info") {
        const fields = reserved === "stream-info" && sec.contents.kind === "oldblob" ? streamInfoJson(sec.contents.value) : toJsonForm(sec.contents.value);
        states.push({ ...identity, kind: reserved, decodedBy: null, fields });
      }
      continue;
    }
    if (sec.contents.kind === "ramblid") {
      sections.push({ ...base, kind: "ram-setup", decodedBy: null });
      for (const blk of sec.contents.value.blocks) blockFor(blk.name, Number(blk.len));
      states.push({ ...identity, kind: "ram-setup", decodedBy: null, fields: toJsonForm(sec.contents.value) });
      continue;
    }
    const entry = vmdesc?.devices[deviceIndex++];
    const matched = entry !== undefined && entry.name === sec.name && BigInt(entry.instance_id) === sec.instanceId ? entry : undefined;
    if (s.plugin) {
      sections.push({ ...base, kind: "device", decodedBy: "plugin", plugin: s.plugin.id });
      states.push({ ...identity, kind: "device", decodedBy: "plugin", plugin: s.plugin.id, fields: toJsonForm(s.value) });
    } else if (matched && sec.contents.kind === "vmstate") {
      sections.push({ ...base, kind: "device", decodedBy: "vmdesc" });
      states.push({ ...identity, kind: "device", decodedBy: "vmdesc", fields: vmdescFields(sec, matched) });
    } else {
      sections.push({ ...base, kind: "device", decodedBy: "blob" });
      states.push({ ...identity, kind: "device", decodedBy: "blob", fields: toJsonForm(sec.contents.value) });
    }
  }
  for (const m of mins) {
    const length = m.section.length ?? 0;
    sections[m.index] = { ...sections[m.index]!, bytes: length };
    end = Math.max(end, sections[m.index]!.offset + length);
  }
  return { sections, states, ram: [...blocks.values()].map((b) => b.summary()), guestPhysical: guest.result(), bytes: end };
}

function streamInfoJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    return Buffer.from(bytes).toString("hex");
  }
}

function vmdescFields(sec: SecFull, entry: NonNullable<Vmdesc["devices"][number]>): unknown {
  if (sec.contents.kind !== "vmstate") return null;
  const description = describeFromVmdesc(entry);
  return stateToJson(description, entriesToState(description, sec.contents.value, { version: Number(sec.versionId) }));
}

/** Digest of page `i`'s final contents (the zero-page digest for pages never sent or sent as zero pages). */
export function pageDigest(b: RamBlockSummary, i: number): Uint8Array {
  const k = b.kinds[i];
  return k === PAGE_FULL || k === PAGE_XBZRLE ? b.digests.subarray(i * 16, i * 16 + 16) : ZERO_PAGE_DIGEST;
}
