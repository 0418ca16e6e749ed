/**
 * The streaming writer: a QemuFile written section by section and page by
 * page into a sink, with backpressure. The file, its `top` list, each SecMin
 * and each RAMSecBlock are open-ended (indefinite length) because their size
 * is not known while they are written; every SecFull is DER.
 */
import type { BerWriter } from "./ber-writer.js";
import { type ByteSink, ChunkedOutput } from "./chunked-output.js";
import { QberEncodeError } from "./errors.js";
import { Encoder, TagBytes, writePage, writeRamPage, writeSection } from "./schema-encoder.js";
import type { RamPage, Section } from "./types.js";

export interface SectionWriterOptions {
  /** Bytes buffered before a chunk is handed to the sink. */
  readonly chunkSize?: number;
}

const OUTSIDE = 0;
const IN_TOP = 1;
const IN_MIN = 2;
const IN_BLOCK = 3;
const CLOSED = 4;

export class SectionWriter {
  private readonly out: ChunkedOutput;
  private readonly w: BerWriter;
  private readonly e: Encoder;
  private state = OUTSIDE;
  private sectionIndex = 0;
  private blockIndex = 0;
  private pageIndex = 0;

  constructor(sink: ByteSink, options: SectionWriterOptions = {}) {
    this.out = new ChunkedOutput(sink, options.chunkSize);
    this.w = this.out.w;
    this.e = new Encoder(this.w, true);
    this.e.prefix = () => this.where();
  }

  /** The schema path of what is being written, for error messages. */
  private where(): (string | number)[] {
    const top = ["top", this.sectionIndex];
    if (this.state === IN_BLOCK) return [...top, "min", "contents", "ramsec", this.blockIndex, "pagelist", this.pageIndex];
    if (this.state === IN_MIN) return [...top, "min", "contents", "ramsec", this.blockIndex];
    return [];
  }

  private expectState(state: number, what: string): void {
    if (this.state === OUTSIDE && state === IN_TOP) this.start();
    if (this.state !== state) throw new QberEncodeError(`${what} is not allowed here (writer state ${this.state})`);
  }

  /** Runs `write`; if it throws, nothing it wrote stays in the buffer. */
  private atomically(write: () => void): void {
    const mark = this.w.pos;
    try {
      write();
    } catch (err) {
      this.w.pos = mark;
      throw err;
    } finally {
      this.e.path.length = 0;
    }
  }

  /** The file header: tag, version 3, and the opening of `top`. */
  private start(): void {
    this.w.beginIndefinite(TagBytes.qemuFile);
    this.w.integer(TagBytes.integer, 3n);
    this.w.beginIndefinite(TagBytes.sequence);
    this.state = IN_TOP;
  }

  /** Writes a whole section (a SecFull, or a SecMin held in memory). */
  async writeSection(section: Section): Promise<void> {
    this.expectState(IN_TOP, "a section");
    this.e.path.push("top", this.sectionIndex);
    this.atomically(() => writeSection(this.e, section));
    this.sectionIndex++;
    await this.out.flushIfFull();
  }

  /** Opens a SecMin whose RAM blocks and pages follow. */
  beginMin(sectionId: bigint): void {
    this.expectState(IN_TOP, "a SecMin");
    this.w.beginIndefinite(TagBytes.secMin);
    this.w.integer(TagBytes.integer, sectionId);
    this.w.beginIndefinite(TagBytes.ramsec);
    this.state = IN_MIN;
    this.blockIndex = 0;
  }

  /** Opens a RAMSecBlock of the open SecMin. */
  beginBlock(name: string): void {
    this.expectState(IN_MIN, "a RAMSecBlock");
    this.e.path.push("name");
    this.atomically(() => {
      this.w.beginIndefinite(TagBytes.sequence);
      this.e.qemuString(name);
      this.w.beginIndefinite(TagBytes.sequence);
    });
    this.state = IN_BLOCK;
    this.pageIndex = 0;
  }

  /**
   * Adds a page to the open block. Returns a promise only when the buffer
   * is full and must drain first: `const p = w.writePage(x); if (p) await p;`
   */
  writePage(page: RamPage): Promise<void> | undefined {
    if (this.state !== IN_BLOCK) this.expectState(IN_BLOCK, "a RAMPage");
    writeRamPage(this.e, page);
    this.pageIndex++;
    return this.out.full ? this.out.flush() : undefined;
  }

  /**
   * Adds a page from its parts, with no RamPage object: kind code
   * (KIND_COMPR, KIND_FULL, KIND_XBZRLE, KIND_HOOK), address, and the data as
   * `data[start, start + length)`. It never waits, so it can be called from a
   * synchronous loop; the caller awaits `flush()` when `needsFlush` says so.
   */
  writePageParts(kind: number, addr: number | bigint, data: Uint8Array | undefined, start: number, length: number): void {
    if (this.state !== IN_BLOCK) this.expectState(IN_BLOCK, "a RAMPage");
    writePage(this.e, kind, addr, data, start, length);
    this.pageIndex++;
  }

  /** True when a chunk's worth is buffered: await `flush()`. */
  get needsFlush(): boolean {
    return this.out.full;
  }

  /** Closes the open block. It never waits: a loop that writes many blocks awaits `flush()` when `needsFlush`. */
  endBlock(): void {
    this.expectState(IN_BLOCK, "the end of a RAMSecBlock");
    this.w.endIndefinite();
    this.w.endIndefinite();
    this.state = IN_MIN;
    this.blockIndex++;
  }

  async endMin(): Promise<void> {
    this.expectState(IN_MIN, "the end of a SecMin");
    this.w.endIndefinite();
    this.w.null(TagBytes.secEndMark);
    this.w.endIndefinite();
    this.state = IN_TOP;
    this.sectionIndex++;
    await this.out.flushIfFull();
  }

  /** Ends the file and hands every buffered byte to the sink. */
  async close(): Promise<void> {
    this.expectState(IN_TOP, "the end of the file");
    this.w.endIndefinite();
    this.w.endIndefinite();
    this.state = CLOSED;
    await this.out.flush();
  }

  /** Hands every buffered byte to the sink. */
  flush(): Promise<void> {
    return this.out.flush();
  }
}
