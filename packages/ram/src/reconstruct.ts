/**
 * RAM reconstruction: applies the pages of a stream, in order, to one image
 * per RAM block, as QEMU's loader does. The blocks come from the `ram` setup
 * section (its RAMBlockList); a `compr` page zeroes its page, a `fullpage`
 * replaces it, an `xbzrle` page is a delta against what was last received
 * for that page. Images live in sinks: memory, or a sparse file per block
 * that is only written where a page holds data.
 *
 * Memory: one byte of state per page (whether it was ever received, and
 * whether it may hold data), besides what the sinks keep.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  type ByteSource,
  KIND_COMPR,
  KIND_FULL,
  KIND_HOOK,
  KIND_XBZRLE,
  type PageBatch,
  QberDecodeError,
  type RamBlockList,
  type RamPage,
  type ReadSectionsOptions,
  type Registry,
  type SchemaPath,
  type StreamedSection,
  isQberError,
  isReservedSection,
  readSections,
} from "@qber/core";
import { RAM_SECTION_NAME } from "./ram-plugin.js";
import { RAM_PAGE_SIZE } from "./ram-source.js";
import { xbzrleDecode } from "./xbzrle.js";

/** A RAM block as the setup section lists it. */
export interface RamBlockInfo {
  readonly name: string;
  /** Bytes. */
  readonly length: number;
}

/**
 * Where one block's image is kept. A new sink reads as all zeros. Offsets
 * and lengths are page-aligned. Each method may return a promise.
 */
export interface RamBlockSink {
  /** Stores `data` (whole pages) at byte `offset`; `data` is only valid during the call. */
  write(offset: number, data: Uint8Array): void | Promise<void>;
  /** Zeroes `length` bytes at `offset`: a zero page received over earlier contents. */
  zero(offset: number, length: number): void | Promise<void>;
  /** Reads what is stored at `offset` into `into` (for XBZRLE deltas). */
  read(offset: number, into: Uint8Array): void | Promise<void>;
  /**
   * Told of every page applied, before its contents are stored, with its
   * kind (KIND_COMPR, KIND_FULL or KIND_XBZRLE of @qber/core): for sinks
   * that keep what was sent rather than the contents (summaries).
   */
  received?(offset: number, kind: number): void;
  /** Called once, after the last page (also when reconstruction fails). */
  close?(): void | Promise<void>;
}

/** Makes the sink of each block listed in the setup section. */
export type RamSinkFactory = (block: RamBlockInfo) => RamBlockSink | Promise<RamBlockSink>;

/** A block's image in memory. */
export interface MemoryRamSink extends RamBlockSink {
  readonly bytes: Uint8Array;
}

/** An image in memory: `bytes` (zero-filled, or given, of the block's length). */
export function memoryRamSink(length: number, bytes: Uint8Array = new Uint8Array(length)): MemoryRamSink {
  if (bytes.length !== length) throw new RangeError(`image of ${bytes.length} bytes for a block of ${length}`);
  return {
    bytes,
    write(offset, data) {
      bytes.set(data, offset);
    },
    zero(offset, n) {
      bytes.fill(0, offset, offset + n);
    },
    read(offset, into) {
      into.set(bytes.subarray(offset, offset + into.length));
    },
  };
}

/** Sinks in memory, one per block. */
export function memorySinks(): RamSinkFactory & { readonly images: Map<string, Uint8Array> } {
  const images = new Map<string, Uint8Array>();
  const factory = (block: RamBlockInfo): MemoryRamSink => {
    const sink = memoryRamSink(block.length);
    images.set(block.name, sink.bytes);
    return sink;
  };
  return Object.assign(factory, { images });
}

/** A sink that keeps nothing (reads as zeros): for applying pages only to check them or count them. */
export const discardRamSink: RamBlockSink = Object.freeze({
  write() {},
  zero() {},
  read(_offset: number, into: Uint8Array) {
    into.fill(0);
  },
});

/** Discarding sinks for every block. */
export const discardSinks: RamSinkFactory = () => discardRamSink;

const STAGE_SIZE = 1 << 20;
const ZERO_PAGE = new Uint8Array(RAM_PAGE_SIZE);
const ZEROS = new Uint8Array(STAGE_SIZE);

/**
 * A raw image file of `length` bytes, created sparse (truncated, then
 * extended): pages never written stay holes. Contiguous page writes are
 * gathered into one positioned write of up to 1 MiB. Closing syncs the file
 * to disk, so an image renamed into place afterwards is whole even after a
 * crash.
 */
export function fileRamSink(path: string, length: number): RamBlockSink & { readonly path: string } {
  const fd = openSync(path, "w+");
  let open = true;
  try {
    ftruncateSync(fd, length);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const stage = new Uint8Array(STAGE_SIZE);
  let stageAt = 0;
  let staged = 0;
  const put = (buf: Uint8Array, at: number) => {
    let done = 0;
    while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, at + done);
  };
  const flush = () => {
    if (staged > 0) put(stage.subarray(0, staged), stageAt);
    staged = 0;
  };
  return {
    path,
    write(offset, data) {
      if (staged > 0 && (offset !== stageAt + staged || staged + data.length > STAGE_SIZE)) flush();
      if (data.length > STAGE_SIZE) return put(data, offset);
      if (staged === 0) stageAt = offset;
      stage.set(data, staged);
      staged += data.length;
    },
    zero(offset, n) {
      flush();
      for (let done = 0; done < n; done += STAGE_SIZE) put(ZEROS.subarray(0, Math.min(STAGE_SIZE, n - done)), offset + done);
    },
    read(offset, into) {
      flush();
      let got = 0;
      while (got < into.length) {
        const r = readSync(fd, into, got, into.length - got, offset + got);
        if (r === 0) break;
        got += r;
      }
      into.fill(0, got);
    },
    close() {
      if (!open) return;
      open = false;
      try {
        flush();
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/**
 * A file name for a block idstr: every character outside [A-Za-z0-9._-]
 * becomes `_`, plus `.img` (`/rom@etc/acpi/tables` -> `_rom_etc_acpi_tables.img`);
 * a suffix is added when two names collide.
 */
export function blockFileName(name: string, taken: Set<string> = new Set()): string {
  const base = name.replace(/[^A-Za-z0-9._-]/g, "_");
  let file = `${base}.img`;
  for (let n = 2; taken.has(file); n++) file = `${base}~${n}.img`;
  taken.add(file);
  return file;
}

/**
 * Sparse image files in `dir` (created if missing), one per block, named
 * by `fileName` (default blockFileName). `files` maps block names to paths.
 */
export function fileSinks(dir: string, fileName?: (block: RamBlockInfo) => string): RamSinkFactory & { readonly files: Map<string, string> } {
  const files = new Map<string, string>();
  const taken = new Set<string>();
  const factory = async (block: RamBlockInfo) => {
    await mkdir(dir, { recursive: true });
    const path = join(dir, fileName ? fileName(block) : blockFileName(block.name, taken));
    files.set(block.name, path);
    return fileRamSink(path, block.length);
  };
  return Object.assign(factory, { files });
}

/** Where a page or block is in the stream, for errors. */
export interface StreamPosition {
  readonly offset?: number;
  readonly path?: SchemaPath;
}

/** Counts of what was applied, per block and in total. */
export interface RamApplyStats {
  compr: number;
  fullpage: number;
  xbzrle: number;
  hook: number;
}

export interface ReconstructedBlock extends RamBlockInfo {
  readonly sink: RamBlockSink;
  /** Pages received at least once. */
  readonly pagesReceived: number;
  readonly stats: Readonly<RamApplyStats>;
}

export interface ReconstructResult {
  /** The blocks of the setup section, in its order; empty when the stream has no `ram` section. */
  readonly blocks: readonly ReconstructedBlock[];
  readonly stats: Readonly<RamApplyStats>;
  /** SecMin sections applied. */
  readonly sections: number;
  /** Section id of the `ram` setup section. */
  readonly sectionId: bigint | undefined;
}

/** Per-page state. */
const NEVER = 0;
/** Received; the image holds zeros there. */
const ZERO = 1;
/** Received; the image may hold data there. */
const DATA = 2;

interface BlockState {
  readonly info: RamBlockInfo;
  readonly sink: RamBlockSink;
  readonly state: Uint8Array;
  readonly stats: RamApplyStats;
}

const newStats = (): RamApplyStats => ({ compr: 0, fullpage: 0, xbzrle: 0, hook: 0 });

function fail(reason: string, where: StreamPosition | undefined, expected?: string): never {
  throw new QberDecodeError(reason, {
    ...(where?.offset === undefined ? {} : { offset: where.offset }),
    ...(where?.path === undefined ? {} : { path: where.path }),
    ...(expected === undefined ? {} : { expected }),
  });
}

export interface RamApplyOptions {
  /**
   * Called with each problem of a page or block (an address outside its
   * block, an unknown block, an XBZRLE delta without a base or that does not
   * decode), which is then skipped, instead of throwing it: what validation
   * wants. Problems of the stream itself still throw.
   */
  readonly onProblem?: (problem: QberDecodeError, block: string) => void;
  /** Largest RAM block accepted, in bytes (default 1 TiB): one byte of state is kept per page. */
  readonly maxBlockBytes?: number;
}

const DEFAULT_MAX_BLOCK_BYTES = 2 ** 40;

/**
 * Applies RAM pages to block images, from the block list on: the one place
 * that decides what a page does (extraction, summaries for diff and report,
 * validation and memory dumps all apply pages through it, with their own
 * sinks).
 */
export class RamReconstructor {
  private readonly blocks = new Map<string, BlockState>();
  private readonly order: BlockState[] = [];
  private readonly page = new Uint8Array(RAM_PAGE_SIZE);
  private readonly total = newStats();
  private listed = false;
  private closed = false;
  private sectionId: bigint | undefined;
  private sections = 0;

  constructor(
    private readonly sinkFactory: RamSinkFactory,
    private readonly options: RamApplyOptions = {},
  ) {}

  /** Whether the block list has been set. */
  get hasBlocks(): boolean {
    return this.listed;
  }

  /**
   * Sets the blocks (from the `ram` setup section) and makes their sinks.
   * The lengths must be page multiples, the names distinct, and totalram
   * their sum.
   */
  async setBlocks(list: RamBlockList, where?: StreamPosition): Promise<void> {
    if (this.listed) fail("a second RAM block list (setup section)", where, "one `ram` setup section");
    const infos: RamBlockInfo[] = [];
    let sum = 0n;
    const names = new Set<string>();
    for (const b of list.blocks) {
      if (b.len < 0n || b.len % BigInt(RAM_PAGE_SIZE) !== 0n || b.len > BigInt(Number.MAX_SAFE_INTEGER)) {
        fail(`RAM block ${b.name}: length ${b.len} is not a multiple of ${RAM_PAGE_SIZE}`, where);
      }
      if (b.len > BigInt(this.options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES))
        fail(`RAM block ${b.name} of ${b.len} bytes is too large`, where, `at most ${this.options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES} bytes`);
      if (names.has(b.name)) fail(`RAM block ${b.name} is listed twice`, where);
      names.add(b.name);
      sum += b.len;
      infos.push({ name: b.name, length: Number(b.len) });
    }
    if (sum !== list.totalram) fail(`RAM block lengths add up to ${sum}, but totalram is ${list.totalram}`, where);
    this.listed = true;
    for (const info of infos) {
      const sink = await this.sinkFactory(info);
      const s: BlockState = { info, sink, state: new Uint8Array(info.length / RAM_PAGE_SIZE), stats: newStats() };
      this.blocks.set(info.name, s);
      this.order.push(s);
    }
  }

  private block(name: string, where: StreamPosition | undefined): BlockState {
    if (!this.listed) fail(`RAM pages for block ${name} before the RAM setup section`, where, "the `ram` SecFull with the block list first");
    const b = this.blocks.get(name);
    if (!b) fail(`RAM pages for unknown block ${JSON.stringify(name)}`, where, `one of ${[...this.blocks.keys()].map((n) => JSON.stringify(n)).join(", ")}`);
    return b;
  }

  /** Reports a problem of a page or block to onProblem, or throws it. */
  private problem(e: unknown, block: string): void {
    if (this.options.onProblem === undefined || !isQberError(e, "QberDecodeError")) throw e;
    this.options.onProblem(e, block);
  }

  /** Checks that a block name is known (before its pages come); false (after onProblem) when it is not. */
  checkBlock(name: string, where?: StreamPosition): boolean {
    try {
      this.block(name, where);
      return true;
    } catch (e) {
      this.problem(e, name);
      return false;
    }
  }

  /**
   * Applies a batch of pages of block `name`. `where` locates the block;
   * `firstPage` is the index in the block's page list of the batch's first
   * page (for error paths).
   */
  async applyBatch(name: string, batch: PageBatch, where?: StreamPosition, firstPage = 0): Promise<void> {
    const b = this.block(name, where);
    const n = batch.length;
    const length = b.info.length;
    for (let i = 0; i < n; i++) {
      const kind = batch.kindCode(i);
      if (kind === KIND_HOOK) {
        b.stats.hook++;
        continue;
      }
      try {
        const addr = batch.addrNumber(i);
        if (!(addr >= 0 && addr + RAM_PAGE_SIZE <= length) || addr % RAM_PAGE_SIZE !== 0) this.badAddress(b, batch.addr(i), at(where, firstPage + i));
        const r = this.apply(b, kind, addr, kind === KIND_COMPR ? undefined : batch.data(i), where, firstPage + i);
        if (r) await r;
      } catch (e) {
        this.problem(e, name);
      }
    }
  }

  /** Applies one page of block `name`. */
  async applyPage(name: string, page: RamPage, where?: StreamPosition): Promise<void> {
    const b = this.block(name, where);
    if (page.kind === "hook") {
      b.stats.hook++;
      return;
    }
    try {
      const addr = page.addr;
      if (addr < 0n || addr % BigInt(RAM_PAGE_SIZE) !== 0n || addr + BigInt(RAM_PAGE_SIZE) > BigInt(b.info.length)) this.badAddress(b, addr, where);
      const kind = page.kind === "compr" ? KIND_COMPR : page.kind === "fullpage" ? KIND_FULL : KIND_XBZRLE;
      await this.apply(b, kind, Number(addr), page.kind === "compr" ? undefined : page.data, where, undefined);
    } catch (e) {
      this.problem(e, name);
    }
  }

  /** One page, its address checked: what a zero, full or XBZRLE page does to the image. */
  private apply(
    b: BlockState,
    kind: number,
    addr: number,
    data: Uint8Array | undefined,
    where: StreamPosition | undefined,
    pageIndex: number | undefined,
  ): void | Promise<void> {
    const index = addr / RAM_PAGE_SIZE;
    b.sink.received?.(addr, kind);
    if (kind === KIND_COMPR) {
      b.stats.compr++;
      const was = b.state[index];
      b.state[index] = ZERO;
      return was === DATA ? b.sink.zero(addr, RAM_PAGE_SIZE) : undefined;
    }
    if (kind === KIND_FULL) {
      b.stats.fullpage++;
      if (data!.length !== RAM_PAGE_SIZE)
        fail(`fullpage of ${data!.length} bytes in a block of ${RAM_PAGE_SIZE}-byte pages`, at(where, pageIndex), `${RAM_PAGE_SIZE} bytes`);
      return this.store(b, index, data!);
    }
    b.stats.xbzrle++;
    return this.delta(b, index, data!, where, pageIndex);
  }

  /**
   * Applies a section read by readSections: the `ram` setup section sets
   * the blocks, a SecMin's pages are applied in order; other sections are
   * not RAM and are passed over. `index` is the section's place in the file
   * (for error paths).
   */
  async applySection(s: StreamedSection, index: number): Promise<void> {
    const path = ["top", index];
    if (s.kind === "full") {
      if (s.section.name !== RAM_SECTION_NAME || isReservedSection(s.section)) return;
      const c = s.section.contents;
      if (c.kind !== "ramblid")
        fail(`the ram section holds ${c.kind}, not the RAM block list`, { offset: s.offset, path: [...path, "full", "contents"] }, "ramblid");
      await this.setBlocks(c.value, { offset: s.offset, path: [...path, "full", "contents", "ramblid"] });
      this.sectionId = s.section.sectionId;
      return;
    }
    const minPath = [...path, "min"];
    if (this.sectionId === undefined)
      fail("RAM pages before the RAM setup section", { offset: s.offset, path: minPath }, "the `ram` SecFull with the block list first");
    if (s.sectionId !== this.sectionId)
      fail(
        `SecMin of section id ${s.sectionId}, but the ram section has id ${this.sectionId}`,
        { offset: s.offset, path: [...minPath, "sectionid"] },
        `section id ${this.sectionId}`,
      );
    this.sections++;
    let blockIndex = 0;
    for await (const b of s.blocks) {
      const where = { offset: b.offset, path: [...minPath, "contents", "ramsec", blockIndex++] };
      if (!this.checkBlock(b.name, where)) continue;
      let first = 0;
      for await (const batch of b.pages) {
        await this.applyBatch(b.name, batch, where, first);
        first += batch.length;
      }
    }
  }

  /**
   * Stores a whole page. A page of zeros is stored as a zero page: nothing
   * is written unless the image may hold data there, so sparse images stay sparse.
   */
  private store(b: BlockState, index: number, data: Uint8Array): void | Promise<void> {
    const offset = index * RAM_PAGE_SIZE;
    if (Buffer.compare(data, ZERO_PAGE) === 0) {
      const was = b.state[index];
      b.state[index] = ZERO;
      return was === DATA ? b.sink.zero(offset, RAM_PAGE_SIZE) : undefined;
    }
    b.state[index] = DATA;
    return b.sink.write(offset, data);
  }

  private badAddress(b: BlockState, addr: bigint, where: StreamPosition | undefined): never {
    if (addr < 0n) fail(`RAM page address ${addr} is before the start of block ${b.info.name}`, where, "a non-negative address");
    if (addr % BigInt(RAM_PAGE_SIZE) !== 0n)
      fail(`RAM page address ${addr} in block ${b.info.name} is not page-aligned`, where, `a multiple of ${RAM_PAGE_SIZE}`);
    return fail(`RAM page address ${addr} is past the end of block ${b.info.name} (${b.info.length} bytes)`, where, `an address below ${b.info.length}`);
  }

  /** An XBZRLE delta against the page's last received contents. */
  private delta(b: BlockState, index: number, payload: Uint8Array, where: StreamPosition | undefined, pageIndex: number | undefined): void | Promise<void> {
    const offset = index * RAM_PAGE_SIZE;
    const before = b.state[index];
    if (before === NEVER)
      fail(`XBZRLE page at ${offset} of block ${b.info.name}: its base page was never sent`, at(where, pageIndex), "a fullpage or compr for the page first");
    if (payload.length > RAM_PAGE_SIZE)
      fail(`XBZRLE payload of ${payload.length} bytes is longer than a page`, at(where, pageIndex), `at most ${RAM_PAGE_SIZE} bytes`);
    const page = this.page;
    if (before === ZERO) {
      page.fill(0);
      return this.decodeAndStore(b, index, payload, where, pageIndex);
    }
    const r = b.sink.read(offset, page);
    if (r) return r.then(() => this.decodeAndStore(b, index, payload, where, pageIndex));
    return this.decodeAndStore(b, index, payload, where, pageIndex);
  }

  private decodeAndStore(
    b: BlockState,
    index: number,
    payload: Uint8Array,
    where: StreamPosition | undefined,
    pageIndex: number | undefined,
  ): void | Promise<void> {
    try {
      xbzrleDecode(payload, this.page);
    } catch (e) {
      if (!isQberError(e, "QberDecodeError")) throw e;
      const inner = e as QberDecodeError;
      const byte = inner.offset === undefined ? "" : ` (payload byte ${inner.offset})`;
      const place = at(where, pageIndex);
      throw new QberDecodeError(`XBZRLE page at ${index * RAM_PAGE_SIZE} of block ${b.info.name}: ${inner.reason}${byte}`, {
        ...(place?.offset === undefined ? {} : { offset: place.offset }),
        ...(place?.path === undefined ? {} : { path: place.path }),
        cause: e,
      });
    }
    return this.store(b, index, this.page);
  }

  /** Closes every sink (once) and returns what was applied. */
  async finish(): Promise<ReconstructResult> {
    await this.close();
    const blocks = this.order.map((s) => {
      let received = 0;
      for (let i = 0; i < s.state.length; i++) if (s.state[i] !== NEVER) received++;
      return { ...s.info, sink: s.sink, pagesReceived: received, stats: { ...s.stats } };
    });
    for (const b of blocks) {
      this.total.compr += b.stats.compr;
      this.total.fullpage += b.stats.fullpage;
      this.total.xbzrle += b.stats.xbzrle;
      this.total.hook += b.stats.hook;
    }
    return { blocks, stats: { ...this.total }, sections: this.sections, sectionId: this.sectionId };
  }

  /** Closes every sink; the first error is thrown after all are closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let first: unknown;
    for (const s of this.order) {
      try {
        await s.sink.close?.();
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }
}

/** Where page `pageIndex` of a block at `where` is (built only for errors: it allocates). */
function at(where: StreamPosition | undefined, pageIndex: number | undefined): StreamPosition | undefined {
  if (!where || pageIndex === undefined) return where;
  return { ...where, ...(where.path ? { path: [...where.path, "pagelist", pageIndex] } : {}) };
}

export interface ReconstructOptions extends ReadSectionsOptions, RamApplyOptions {
  /** Registry for readSections (plugins of other sections); RAM needs none. */
  readonly registry?: Registry;
}

/** A byte source (a BER file's bytes or chunks), or sections already being read by readSections. */
export type RamStreamSource = ByteSource | AsyncIterable<StreamedSection>;

/** Tells sections from byte chunks by the first item. */
async function* sectionsOf(source: RamStreamSource, options: ReconstructOptions): AsyncGenerator<StreamedSection, void, undefined> {
  if (source instanceof Uint8Array || !(Symbol.asyncIterator in source)) {
    yield* readSections(source as ByteSource, options.registry, options);
    return;
  }
  const it = (source as AsyncIterable<StreamedSection | Uint8Array>)[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  if (first.value instanceof Uint8Array) {
    const head = first.value;
    const rest: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => {
        let sentHead = false;
        return {
          next: async () => {
            if (!sentHead) {
              sentHead = true;
              return { done: false, value: head };
            }
            return (await it.next()) as IteratorResult<Uint8Array>;
          },
          return: async (): Promise<IteratorResult<Uint8Array>> => {
            await it.return?.();
            return { done: true, value: undefined };
          },
        };
      },
    };
    yield* readSections(rest, options.registry, options);
    return;
  }
  try {
    yield first.value;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as StreamedSection;
  } finally {
    await it.return?.();
  }
}

/**
 * Rebuilds every RAM block of a stream: reads its sections (from BER bytes
 * or from readSections), takes the blocks from the `ram` setup section,
 * makes a sink per block with `sinkFactory`, and applies every page in
 * order. Sinks are closed at the end, and also on failure.
 *
 * @throws QberDecodeError for a page of an unknown block, an address past
 *   its block or not page-aligned, an XBZRLE delta whose base page was never
 *   sent or which does not decode, RAM pages before the setup section, and
 *   any decode error of the stream itself.
 */
export async function reconstructRam(source: RamStreamSource, sinkFactory: RamSinkFactory, options: ReconstructOptions = {}): Promise<ReconstructResult> {
  const rec = new RamReconstructor(sinkFactory, options);
  let index = 0;
  try {
    for await (const s of sectionsOf(source, options)) await rec.applySection(s, index++);
  } catch (e) {
    await rec.close().catch(() => undefined);
    throw e;
  }
  return rec.finish();
}
