/**
 * The writer behind `qber encode` (and the check behind `qber decode`): a
 * QemuFile from the JSON form's parts, in either framing. Primitives are DER;
 * containers are definite (DER) or indefinite as the JSON form records, and
 * definite lengths come from a measuring pass (`measure*`). SecFulls are their
 * DER encoding or their recorded raw bytes; raw SecMins are copied as is.
 */
import { type ByteSink, ChunkedOutput, QberEncodeError, type RamPage } from "@qber/core";
import type { Lengths } from "./model.js";

export const Tags = {
  qemuFile: Uint8Array.of(0x7f, 0xcd, 0xc5, 0x51),
  integer: Uint8Array.of(0x02),
  octetString: Uint8Array.of(0x04),
  utf8String: Uint8Array.of(0x0c),
  sequence: Uint8Array.of(0x30),
  secMin: Uint8Array.of(0x7f, 0x81, 0x53),
  ramsec: Uint8Array.of(0x7f, 0xcc, 0x52),
  secEndMark: Uint8Array.of(0x5f, 0xd3, 0x45),
  compr: Uint8Array.of(0x40),
  fullPage: Uint8Array.of(0x7f, 0xc6, 0x50),
  xbzrlePage: Uint8Array.of(0x7f, 0xd8, 0x42),
  hook: Uint8Array.of(0x5f, 0xc8, 0x4f),
} as const;

export function lengthOctets(len: number): number {
  if (len < 0x80) return 1;
  let n = 1;
  for (let v = len; v > 0xff; v = Math.floor(v / 256)) n++;
  return n + 1;
}

export const tlv = (tagLength: number, contentLength: number): number => tagLength + lengthOctets(contentLength) + contentLength;

/** Content length of a minimal two's-complement INTEGER. */
export function integerLength(v: bigint): number {
  let n = 1;
  let x = v;
  while (x >= 128n || x < -128n) {
    x >>= 8n;
    n++;
  }
  return n;
}

const utf8 = new TextEncoder();

/** DER size of one page. */
export function pageSize(p: RamPage): number {
  switch (p.kind) {
    case "hook":
      return tlv(Tags.hook.length, 0);
    case "compr":
      return tlv(Tags.compr.length, integerLength(p.addr));
    default:
      return tlv(3, tlv(1, integerLength(p.addr)) + tlv(1, p.data.length));
  }
}

/** Sizes of a definite-length SecMin: the content length of each block's pagelist, and the names. */
export interface MinSizes {
  readonly pagelists: number[];
  readonly names: Uint8Array[];
}

export function blockContent(name: Uint8Array, pagelist: number): number {
  return tlv(1, name.length) + tlv(1, pagelist);
}

export function ramsecContent(m: MinSizes): number {
  return m.pagelists.reduce((sum, p, i) => sum + tlv(1, blockContent(m.names[i]!, p)), 0);
}

export function minContent(sectionId: bigint, m: MinSizes): number {
  return tlv(1, integerLength(sectionId)) + tlv(Tags.ramsec.length, ramsecContent(m)) + Tags.secEndMark.length + 1;
}

export function minSize(sectionId: bigint, m: MinSizes): number {
  return tlv(Tags.secMin.length, minContent(sectionId, m));
}

/** Content lengths of the definite containers of a SecMin, as the writer asks for them. */
export interface MinLengths {
  readonly min: number;
  readonly ramsec: number;
}

export interface BlockLengths {
  readonly block: number;
  readonly pagelist: number;
}

export function blockLengths(m: MinSizes, i: number): BlockLengths {
  const pagelist = m.pagelists[i];
  const name = m.names[i];
  if (pagelist === undefined || name === undefined) throw new QberEncodeError("the JSON changed between the two passes");
  return { block: blockContent(name, pagelist), pagelist };
}

export function minLengths(sectionId: bigint, m: MinSizes): MinLengths {
  return { min: minContent(sectionId, m), ramsec: ramsecContent(m) };
}

export class BerOut {
  private readonly out: ChunkedOutput;
  private minLengths: Lengths = "indefinite";

  constructor(
    sink: ByteSink,
    private readonly framing: Lengths,
  ) {
    this.out = new ChunkedOutput(sink);
  }

  private get w() {
    return this.out.w;
  }

  /** The file header; `top` is the content length of the `top` list when definite. */
  begin(top?: number): void {
    const w = this.w;
    if (this.framing === "indefinite") {
      w.beginIndefinite(Tags.qemuFile);
      w.integer(Tags.integer, 3n);
      w.beginIndefinite(Tags.sequence);
    } else {
      if (top === undefined) throw new QberEncodeError("definite framing needs the size of the file");
      w.header(Tags.qemuFile, 3 + tlv(1, top));
      w.integer(Tags.integer, 3n);
      w.header(Tags.sequence, top);
    }
  }

  /** Bytes written as they are (an encoded SecFull, or part of a raw SecMin). */
  async raw(bytes: Uint8Array): Promise<void> {
    this.w.raw(bytes);
    await this.out.flushIfFull();
  }

  beginMin(sectionId: bigint, lengths: Lengths, sizes?: MinLengths): void {
    const w = this.w;
    this.minLengths = lengths;
    if (lengths === "indefinite") {
      w.beginIndefinite(Tags.secMin);
      w.integer(Tags.integer, sectionId);
      w.beginIndefinite(Tags.ramsec);
    } else {
      if (sizes === undefined) throw new QberEncodeError("a definite SecMin needs its sizes");
      w.header(Tags.secMin, sizes.min);
      w.integer(Tags.integer, sectionId);
      w.header(Tags.ramsec, sizes.ramsec);
    }
  }

  beginBlock(name: string, sizes?: BlockLengths): void {
    const w = this.w;
    const bytes = utf8.encode(name);
    if (bytes.length < 1 || bytes.length > 255) throw new QberEncodeError(`RAM block name of ${bytes.length} bytes`, { expected: "1 to 255 UTF-8 bytes" });
    if (this.minLengths === "indefinite") {
      w.beginIndefinite(Tags.sequence);
      w.octets(Tags.utf8String, bytes);
      w.beginIndefinite(Tags.sequence);
    } else {
      if (sizes === undefined) throw new QberEncodeError("a definite RAMSecBlock needs its sizes");
      w.header(Tags.sequence, sizes.block);
      w.octets(Tags.utf8String, bytes);
      w.header(Tags.sequence, sizes.pagelist);
    }
  }

  /** Adds a page; returns a promise only when the buffer must drain first. */
  page(p: RamPage): Promise<void> | undefined {
    const w = this.w;
    switch (p.kind) {
      case "compr":
        w.integer(Tags.compr, p.addr);
        break;
      case "hook":
        w.null(Tags.hook);
        break;
      default: {
        w.header(p.kind === "fullpage" ? Tags.fullPage : Tags.xbzrlePage, tlv(1, integerLength(p.addr)) + tlv(1, p.data.length));
        w.integer(Tags.integer, p.addr);
        w.octets(Tags.octetString, p.data);
      }
    }
    return this.out.full ? this.out.flush() : undefined;
  }

  endBlock(): void {
    if (this.minLengths === "indefinite") {
      this.w.endIndefinite();
      this.w.endIndefinite();
    }
  }

  endMin(): void {
    if (this.minLengths === "indefinite") this.w.endIndefinite();
    this.w.null(Tags.secEndMark);
    if (this.minLengths === "indefinite") this.w.endIndefinite();
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
