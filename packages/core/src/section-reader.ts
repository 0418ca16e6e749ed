/**
 * The streaming, section-level reader: `readSections` yields the sections of
 * a QemuFile one at a time. A SecFull is read whole (it is small) and handed
 * to its plugin; a SecMin streams its RAM pages in batches, as views into the
 * input chunks, so memory does not grow with RAM size.
 */
import { NEED_MORE, readHeader } from "./ber-header.js";
import type { ByteSource } from "./byte-source.js";
import { decodeSmallInteger, isNonMinimalInteger } from "./integer.js";
import { KIND_COMPR, KIND_FULL, KIND_HOOK, KIND_XBZRLE, PageBatch } from "./page-batch.js";
import type { DecodeOptions } from "./limits.js";
import { type Registry, type SectionPlugin, emptyRegistry } from "./registry.js";
import { PAGE_SIZE, readRamPage, readSecFull, readVersion } from "./schema-decoder.js";
import { StreamDecoder, type StreamFrame } from "./stream-decoder.js";
import { Tag, describeTag } from "./tags.js";
import type { QemuFile, RamPage, RamSecBlock, SecFull, Section } from "./types.js";

/**
 * A SecFull, decoded; `plugin` and `value` are set when a plugin knows it and
 * decodes it. A plugin that cannot (its contents have another layout, as
 * from an older machine type) leaves them unset and says why in `pluginError`:
 * the section itself is still valid.
 */
export interface StreamedSecFull {
  readonly kind: "full";
  /** Byte offset of the section in the input. */
  readonly offset: number;
  /** Encoded size in bytes. */
  readonly length: number;
  readonly section: SecFull;
  readonly plugin: SectionPlugin | undefined;
  readonly value: unknown;
  readonly pluginError?: string;
}

/** One RAMSecBlock of a streamed SecMin; its pages arrive in batches. */
export interface StreamedRamBlock {
  readonly name: string;
  readonly offset: number;
  /** Batches of pages; each batch (and its views) is valid until the next is requested. */
  readonly pages: AsyncIterable<PageBatch>;
}

/**
 * A SecMin whose RAM blocks stream. Iterate `blocks` (and each block's
 * `pages`) before asking for the next section; whatever is not consumed is
 * read and checked, then skipped.
 */
export interface StreamedSecMin {
  readonly kind: "min";
  readonly offset: number;
  readonly sectionId: bigint;
  readonly blocks: AsyncIterable<StreamedRamBlock>;
  /** Encoded size in bytes: known once the section has been read to its end (when the next one is asked for). */
  readonly length: number | undefined;
}

export type StreamedSection = StreamedSecFull | StreamedSecMin;

export interface ReadSectionsOptions extends DecodeOptions {
  /** Most pages in one batch (default 4096). */
  readonly batchSize?: number;
}

/** Iterables over a parser whose state survives an early `break`. */
function resumable<T>(next: () => Promise<T | null>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const v = await next();
        return v === null ? { done: true, value: undefined } : { done: false, value: v };
      },
      return: async () => ({ done: true, value: undefined }),
    }),
  };
}

/** Enough bytes for any page header the fast path reads (longer ones take the generic path). */
const MAX_PAGE_HEADER = 32;

const STATE_BLOCKS = 0;
const STATE_PAGES = 1;
const STATE_DONE = 2;

/** Parses the ramsec list of one SecMin: blocks, then page batches per block. */
class RamSecStream {
  private state = STATE_BLOCKS;
  private blockIndex = 0;
  private blockFrame: StreamFrame = 0;
  private pageFrame: StreamFrame = 0;
  private pageIndex = 0;
  /** Path length before this SecMin's block index was pushed. */
  private readonly depth: number;

  constructor(
    private readonly d: StreamDecoder,
    private readonly listFrame: StreamFrame,
    private readonly batch: PageBatch,
  ) {
    this.depth = d.path.length;
  }

  async nextBlock(): Promise<StreamedRamBlock | null> {
    const d = this.d;
    while (this.state === STATE_PAGES) await this.nextPages();
    if (this.state === STATE_DONE) return null;
    if (!(await d.more(this.listFrame, "ramsec"))) {
      await d.leave(this.listFrame, "ramsec");
      this.state = STATE_DONE;
      return null;
    }
    if (this.blockIndex + 1 > d.limits.maxElementCount) d.limit("element count", this.blockIndex + 1, d.limits.maxElementCount);
    d.path.push(this.blockIndex);
    const offset = d.r.offset;
    this.blockFrame = await d.enter(Tag.sequence, "RAMSecBlock (SEQUENCE)");
    const name = await d.small("name", (c) => c.qemuString("name"), ["name"]);
    d.path.push("pagelist");
    this.pageFrame = await d.enter(Tag.sequence, "pagelist (SEQUENCE OF RAMPage)");
    this.pageIndex = 0;
    this.state = STATE_PAGES;
    return { name, offset, pages: resumable(() => this.nextPages()) };
  }

  /** The next batch of pages of the current block, or null at its end. */
  async nextPages(): Promise<PageBatch | null> {
    if (this.state !== STATE_PAGES) return null;
    const d = this.d;
    const batch = this.batch;
    // Set when the input ended before `need` bytes: the generic path then
    // reports exactly what is cut (or finds the list's end in what is left).
    let exhausted = false;
    for (;;) {
      batch.reset(d.r.buf);
      const need = this.parseBuffered(batch);
      if (batch.length > 0) return batch;
      if (need === 0 || exhausted) {
        if (await d.more(this.pageFrame, "pagelist")) {
          batch.reset(d.r.buf);
          batch.pushPage(await this.slowPage());
          return batch;
        }
        await d.leave(this.pageFrame, "pagelist");
        d.path.pop();
        await d.leave(this.blockFrame, "RAMSecBlock");
        d.path.length = this.depth;
        this.blockIndex++;
        this.state = STATE_BLOCKS;
        return null;
      }
      exhausted = !(await d.r.ensure(need));
    }
  }

  /** A page in any valid BER form, through the schema decoder. */
  private async slowPage(): Promise<RamPage> {
    const d = this.d;
    this.countPage();
    const page = await d.small("a RAMPage", readRamPage, [this.pageIndex]);
    this.pageIndex++;
    return page;
  }

  private countPage(): void {
    if (this.pageIndex + 1 > this.d.limits.maxElementCount) this.d.limit("element count", this.pageIndex + 1, this.d.limits.maxElementCount);
  }

  /**
   * Decodes the DER-shaped pages that are already buffered into `batch`.
   * Returns 0 when it stopped at the end of the list, at a full batch, or at a
   * page it leaves to the generic path; else the number of bytes to buffer
   * before calling again.
   */
  private parseBuffered(batch: PageBatch): number {
    const d = this.d;
    const r = d.r;
    const buf = r.buf;
    const end = buf.length;
    const h = d.h;
    const frame = this.pageFrame;
    const strict = d.strict;
    const max = Math.min(batch.capacity, d.limits.maxElementCount - this.pageIndex);
    let pos = r.pos;
    try {
      while (batch.length < max) {
        if (frame >= 0 ? r.offsetOf(pos) >= frame : pos + 1 < end && buf[pos] === 0) return 0;
        const n = readHeader(buf, pos, end, h);
        if (n === NEED_MORE) return end - pos >= MAX_PAGE_HEADER ? 0 : MAX_PAGE_HEADER;
        // Over the element limit: the generic path reports it (before buffering what the length claims).
        if (n < 0 || h.length < 0 || h.length > d.limits.maxElementLength || (strict && h.longLength)) return 0;
        const total = n + h.length;
        if (pos + total > end) return total;
        if (r.offsetOf(pos + total) > d.bound) return 0;
        const tag = h.tag;
        if (tag === Tag.compr && !h.constructed && h.length > 0 && h.length <= 6) {
          if (strict && isNonMinimalInteger(buf, pos + n, h.length)) return 0;
          batch.push(KIND_COMPR, decodeSmallInteger(buf, pos + n, h.length), -1, 0);
        } else if ((tag === Tag.fullPage || tag === Tag.xbzrlePage) && h.constructed) {
          const inner = pos + n;
          const elementEnd = inner + h.length;
          const an = readHeader(buf, inner, elementEnd, h);
          if (an < 0 || h.tag !== Tag.integer || h.constructed || h.length === 0 || h.length > 6 || (strict && h.longLength)) return 0;
          const addrAt = inner + an;
          const addrLen = h.length;
          if (strict && isNonMinimalInteger(buf, addrAt, addrLen)) return 0;
          const dataHeader = addrAt + addrLen;
          const dn = readHeader(buf, dataHeader, elementEnd, h);
          if (dn < 0 || h.tag !== Tag.octetString || h.constructed || (strict && h.longLength)) return 0;
          const dataAt = dataHeader + dn;
          if (dataAt + h.length !== elementEnd) return 0;
          const full = tag === Tag.fullPage;
          if (full && h.length !== PAGE_SIZE) return 0;
          batch.push(full ? KIND_FULL : KIND_XBZRLE, decodeSmallInteger(buf, addrAt, addrLen), dataAt, h.length);
        } else if (tag === Tag.hook && !h.constructed && h.length === 0) {
          batch.push(KIND_HOOK, 0, -1, 0);
        } else {
          return 0;
        }
        pos += total;
        this.pageIndex++;
      }
      return 0;
    } finally {
      r.pos = pos;
    }
  }
}

/**
 * Reads a QemuFile section by section. Byte strings in what it yields are
 * views into the input chunks. Errors are QberDecodeError / QberLimitError
 * with the byte offset and schema path.
 */
export async function* readSections(
  source: ByteSource,
  registry: Registry = emptyRegistry,
  options: ReadSectionsOptions = {},
): AsyncGenerator<StreamedSection, void, undefined> {
  const d = new StreamDecoder(source, options);
  try {
    yield* readFile(d, registry, new PageBatch(options.batchSize ?? 4096));
  } finally {
    await d.r.close();
  }
}

async function* readFile(d: StreamDecoder, registry: Registry, batch: PageBatch): AsyncGenerator<StreamedSection, void, undefined> {
  if (await d.r.atEnd()) d.incomplete("a QemuFile (the input is empty)");
  const tag = await d.peek("a QemuFile");
  if (tag !== Tag.qemuFile || !d.h.constructed) {
    d.fail(`not a qber file: unexpected tag ${describeTag(tag)}`, 0, "QemuFile [APPLICATION 1270481] (7f cd c5 51)");
  }
  const fileFrame = d.open();
  await d.small("version", readVersion, ["version"]);
  d.path.push("top");
  const topFrame = await d.enter(Tag.sequence, "top (SEQUENCE OF Sections)");
  for (let i = 0; await d.more(topFrame, "top"); i++) {
    if (i + 1 > d.limits.maxElementCount) d.limit("element count", i + 1, d.limits.maxElementCount);
    d.path.push(i);
    const offset = d.r.offset;
    const t = await d.peek("a section");
    if (t === Tag.secFull) {
      const length = await d.whole("a SecFull", d.limits.maxSectionLength);
      // Copied out of the input chunk: section values outlive the reader's buffers.
      const section = readSecFull(d.cursor(length, ["full"], true));
      d.r.pos += length;
      const plugin = registry.find(section.name, section.versionId);
      yield plugin ? decodeWithPlugin(plugin, section, offset, length) : { kind: "full", offset, length, section, plugin: undefined, value: undefined };
    } else if (t === Tag.secMin) {
      d.path.push("min");
      const minFrame = d.open();
      const sectionId = await d.small("sectionid", (c) => c.readInteger("sectionid (INTEGER)"), ["sectionid"]);
      d.path.push("contents", "ramsec");
      const listFrame = await d.enter(Tag.ramsec, "contents: ramsec [APPLICATION 9810]");
      const stream = new RamSecStream(d, listFrame, batch);
      const min: { -readonly [K in keyof StreamedSecMin]: StreamedSecMin[K] } = {
        kind: "min",
        offset,
        sectionId,
        blocks: resumable(() => stream.nextBlock()),
        length: undefined,
      };
      yield min;
      while ((await stream.nextBlock()) !== null);
      d.path.length -= 2;
      if (!(await d.more(minFrame, "SecMin"))) d.fail("SecMin without its SecEndMark", d.r.offset, "SecEndMark [APPLICATION 10693]");
      await d.small(
        "SecEndMark",
        (c) => {
          c.expect(Tag.secEndMark, false, "SecEndMark [APPLICATION 10693]");
          c.null("SecEndMark");
        },
        ["endmark"],
      );
      await d.leave(minFrame, "SecMin");
      min.length = d.r.offset - offset;
      d.path.pop();
    } else {
      d.fail(`unexpected tag ${describeTag(t)}`, offset, "a section: SecFull [APPLICATION 2003] or SecMin [APPLICATION 211]");
    }
    d.path.pop();
  }
  await d.leave(topFrame, "top");
  d.path.pop();
  await d.leave(fileFrame, "QemuFile");
  if (!(await d.r.atEnd())) d.fail("trailing data after the QemuFile");
}

function decodeWithPlugin(plugin: SectionPlugin, section: SecFull, offset: number, length: number): StreamedSecFull {
  try {
    return { kind: "full", offset, length, section, plugin, value: plugin.ber.decode(section.contents, section) };
  } catch (e) {
    const pluginError = `plugin ${plugin.id} cannot decode section ${section.name}: ${(e as Error).message}`;
    return { kind: "full", offset, length, section, plugin: undefined, value: undefined, pluginError };
  }
}

/**
 * Reads a whole QemuFile into memory through the streaming reader, RAM pages
 * included: for small files and tests.
 */
export async function readQemuFile(source: ByteSource, options?: ReadSectionsOptions): Promise<QemuFile> {
  const top: Section[] = [];
  for await (const s of readSections(source, emptyRegistry, options)) {
    if (s.kind === "full") {
      top.push(s.section);
      continue;
    }
    const blocks: RamSecBlock[] = [];
    for await (const b of s.blocks) {
      const pages: RamPage[] = [];
      for await (const batch of b.pages) {
        for (let i = 0; i < batch.length; i++) {
          const p = batch.page(i);
          pages.push(p.kind === "fullpage" || p.kind === "xbzrle" ? { ...p, data: p.data.slice() } : p);
        }
      }
      blocks.push({ name: b.name, pages });
    }
    top.push({ kind: "min", sectionId: s.sectionId, contents: { kind: "ramsec", value: blocks } });
  }
  return { version: 3n, top };
}
