/**
 * A QemuFile written part by part in either framing: definite lengths (DER)
 * or indefinite ones (the streaming form). Definite containers must know
 * their content length before their contents are written, so a writer of DER
 * measures first (`ramPageDerSize`, `SecMinSizes`) and writes second. Both
 * `rewriteDer` and the JSON form's encoder write through here, so the sizes
 * and the bytes they describe are decided in one place.
 */
import { lengthOctets } from "./ber-writer.js";
import { type ByteSink, ChunkedOutput } from "./chunked-output.js";
import { QberEncodeError } from "./errors.js";
import { integerLength } from "./integer.js";
import { KIND_COMPR, KIND_HOOK } from "./page-batch.js";
import { Encoder, TagBytes, writeSecFull } from "./schema-encoder.js";
import type { RamPage, SecFull } from "./types.js";

/** How a container's length is written: a definite length (DER) or an end-of-contents marker. */
export type Framing = "definite" | "indefinite";

/** DER size of a TLV: tag, length octets and contents. */
const tlv = (tagLength: number, contentLength: number): number => tagLength + lengthOctets(contentLength) + contentLength;

/** The DER version INTEGER (3) that opens every QemuFile. */
const VERSION_SIZE = tlv(TagBytes.integer.length, 1);

/** DER size of one page from its parts: kind code (page-batch.ts), address and data length. */
export function pageDerSize(kind: number, addr: bigint, dataLength: number): number {
  if (kind === KIND_HOOK) return tlv(TagBytes.hook.length, 0);
  if (kind === KIND_COMPR) return tlv(TagBytes.compr.length, integerLength(addr));
  // FullPage and XBZRLEPage share their layout (and tag length).
  return tlv(TagBytes.fullPage.length, tlv(TagBytes.integer.length, integerLength(addr)) + tlv(TagBytes.octetString.length, dataLength));
}

/** DER size of one page. */
export function ramPageDerSize(p: RamPage): number {
  if (p.kind === "hook") return pageDerSize(KIND_HOOK, 0n, 0);
  if (p.kind === "compr") return pageDerSize(KIND_COMPR, p.addr, 0);
  return pageDerSize(-1, p.addr, p.data.length);
}

/** What a definite-length SecMin's sizes come from: each RAMSecBlock's name (UTF-8) and pagelist content length, in order. */
export interface SecMinSizes {
  readonly names: Uint8Array[];
  readonly pagelists: number[];
}

/** Content lengths of a definite SecMin's containers. */
export interface SecMinLengths {
  readonly min: number;
  readonly ramsec: number;
}

/** Content lengths of a definite RAMSecBlock's containers. */
export interface RamBlockLengths {
  readonly block: number;
  readonly pagelist: number;
}

function blockContent(name: Uint8Array, pagelist: number): number {
  return tlv(TagBytes.utf8String.length, name.length) + tlv(TagBytes.sequence.length, pagelist);
}

function ramsecContent(m: SecMinSizes): number {
  let sum = 0;
  for (let i = 0; i < m.pagelists.length; i++) sum += tlv(TagBytes.sequence.length, blockContent(m.names[i]!, m.pagelists[i]!));
  return sum;
}

export function secMinLengths(sectionId: bigint, m: SecMinSizes): SecMinLengths {
  const ramsec = ramsecContent(m);
  const min = tlv(TagBytes.integer.length, integerLength(sectionId)) + tlv(TagBytes.ramsec.length, ramsec) + tlv(TagBytes.secEndMark.length, 0);
  return { min, ramsec };
}

/** DER size of a whole definite SecMin. */
export function secMinDerSize(sectionId: bigint, m: SecMinSizes): number {
  return tlv(TagBytes.secMin.length, secMinLengths(sectionId, m).min);
}

/** The lengths of block `i` of a measured SecMin, or undefined when it has fewer blocks (the input changed since it was measured). */
export function ramBlockLengths(m: SecMinSizes, i: number): RamBlockLengths | undefined {
  const name = m.names[i];
  const pagelist = m.pagelists[i];
  if (name === undefined || pagelist === undefined) return undefined;
  return { block: blockContent(name, pagelist), pagelist };
}

const utf8 = new TextEncoder();

/**
 * Writes a QemuFile's parts to a sink. The file's framing and each SecMin's
 * are chosen separately (a DER file may hold streaming SecMins, as a file
 * from `qber decode` may record); a definite part takes its lengths.
 */
export class FramedWriter {
  private readonly out: ChunkedOutput;
  private minFraming: Framing = "indefinite";
  private encoder: Encoder | undefined;

  constructor(
    sink: ByteSink,
    private readonly framing: Framing,
  ) {
    this.out = new ChunkedOutput(sink);
  }

  private get w() {
    return this.out.w;
  }

  /** The file header; `top` is the content length of the `top` list, needed when definite. */
  begin(top?: number): void {
    const w = this.w;
    if (this.framing === "indefinite") {
      w.beginIndefinite(TagBytes.qemuFile);
      w.integer(TagBytes.integer, 3n);
      w.beginIndefinite(TagBytes.sequence);
    } else {
      if (top === undefined) throw new QberEncodeError("definite framing needs the size of the file");
      w.header(TagBytes.qemuFile, VERSION_SIZE + tlv(TagBytes.sequence.length, top));
      w.integer(TagBytes.integer, 3n);
      w.header(TagBytes.sequence, top);
    }
  }

  /** A SecFull in DER. */
  async secFull(section: SecFull): Promise<void> {
    writeSecFull((this.encoder ??= new Encoder(this.w, false)), section);
    await this.out.flushIfFull();
  }

  /** Bytes written as they are (an encoded SecFull, or part of a raw SecMin). */
  async raw(bytes: Uint8Array): Promise<void> {
    this.w.raw(bytes);
    await this.out.flushIfFull();
  }

  beginMin(sectionId: bigint, framing: Framing, lengths?: SecMinLengths): void {
    const w = this.w;
    this.minFraming = framing;
    if (framing === "indefinite") {
      w.beginIndefinite(TagBytes.secMin);
      w.integer(TagBytes.integer, sectionId);
      w.beginIndefinite(TagBytes.ramsec);
    } else {
      if (lengths === undefined) throw new QberEncodeError("a definite SecMin needs its sizes");
      w.header(TagBytes.secMin, lengths.min);
      w.integer(TagBytes.integer, sectionId);
      w.header(TagBytes.ramsec, lengths.ramsec);
    }
  }

  beginBlock(name: string | Uint8Array, lengths?: RamBlockLengths): void {
    const w = this.w;
    const bytes = typeof name === "string" ? utf8.encode(name) : name;
    if (bytes.length < 1 || bytes.length > 255) throw new QberEncodeError(`RAM block name of ${bytes.length} bytes`, { expected: "1 to 255 UTF-8 bytes" });
    if (this.minFraming === "indefinite") {
      w.beginIndefinite(TagBytes.sequence);
      w.octets(TagBytes.utf8String, bytes);
      w.beginIndefinite(TagBytes.sequence);
    } else {
      if (lengths === undefined) throw new QberEncodeError("a definite RAMSecBlock needs its sizes");
      w.header(TagBytes.sequence, lengths.block);
      w.octets(TagBytes.utf8String, bytes);
      w.header(TagBytes.sequence, lengths.pagelist);
    }
  }

  /** Adds a page; returns a promise only when the buffer must drain first. */
  page(p: RamPage): Promise<void> | undefined {
    const w = this.w;
    switch (p.kind) {
      case "compr":
        w.integer(TagBytes.compr, p.addr);
        break;
      case "hook":
        w.null(TagBytes.hook);
        break;
      default:
        w.header(
          p.kind === "fullpage" ? TagBytes.fullPage : TagBytes.xbzrlePage,
          tlv(TagBytes.integer.length, integerLength(p.addr)) + tlv(TagBytes.octetString.length, p.data.length),
        );
        w.integer(TagBytes.integer, p.addr);
        w.octets(TagBytes.octetString, p.data);
    }
    return this.out.full ? this.out.flush() : undefined;
  }

  endBlock(): void {
    if (this.minFraming === "indefinite") {
      this.w.endIndefinite();
      this.w.endIndefinite();
    }
  }

  endMin(): void {
    if (this.minFraming === "indefinite") this.w.endIndefinite();
    this.w.null(TagBytes.secEndMark);
    if (this.minFraming === "indefinite") this.w.endIndefinite();
  }

  async end(): Promise<void> {
    if (this.framing === "indefinite") {
      this.w.endIndefinite();
      this.w.endIndefinite();
    }
    await this.out.flush();
  }

  flush(): Promise<void> {
    return this.out.flush();
  }
}
