/**
 * Encodes every type of the schema into a BerWriter. Primitives are always
 * DER. Containers are definite, except that in streaming mode the QemuFile,
 * its `top` list, each SecMin with its `ramsec` list, and each RAMSecBlock with
 * its pagelist are written with indefinite lengths: those are the containers
 * whose size is unknown while RAM is still being read.
 */
import { BerWriter, lengthOctets, writeLength } from "./ber-writer.js";
import { integerLength, integerLengthOfNumber, writeInteger, writeIntegerOfNumber } from "./integer.js";
import { KIND_COMPR, KIND_FULL, KIND_HOOK, KIND_XBZRLE } from "./page-batch.js";
import { QberEncodeError } from "./errors.js";
import { PAGE_SIZE, isExtensionPageSize } from "./schema-decoder.js";
import { Tag, encodeTag } from "./tags.js";
import type {
  QemuFile,
  RamBlockId,
  RamBlockList,
  RamPage,
  RamSecBlock,
  SchemaTypeName,
  SchemaTypes,
  SecFull,
  SecFullContents,
  SecMin,
  Section,
  SubSection,
  VmStateEntry,
} from "./types.js";

/** Identifier octets of the schema's tags. */
export const TagBytes = {
  boolean: encodeTag(Tag.boolean, false),
  integer: encodeTag(Tag.integer, false),
  octetString: encodeTag(Tag.octetString, false),
  utf8String: encodeTag(Tag.utf8String, false),
  sequence: encodeTag(Tag.sequence, true),
  compr: encodeTag(Tag.compr, false),
  secMin: encodeTag(Tag.secMin, true),
  secFull: encodeTag(Tag.secFull, true),
  ramBlockList: encodeTag(Tag.ramBlockList, true),
  fullPage: encodeTag(Tag.fullPage, true),
  hook: encodeTag(Tag.hook, false),
  ramsec: encodeTag(Tag.ramsec, true),
  secEndMark: encodeTag(Tag.secEndMark, false),
  subSecList: encodeTag(Tag.subSecList, true),
  subSection: encodeTag(Tag.subSection, true),
  xbzrlePage: encodeTag(Tag.xbzrlePage, true),
  qemuFile: encodeTag(Tag.qemuFile, true),
} as const;

export interface EncodeOptions {
  /** Indefinite lengths for the containers a streaming writer produces online. */
  readonly streaming?: boolean;
}

const textEncoder = new TextEncoder();

/** Encoder state: the writer, the mode and the path for error messages. */
export class Encoder {
  readonly path: (string | number)[] = [];
  /** Where `path` starts, computed only when an error needs it. */
  prefix: () => readonly (string | number)[] = () => [];

  constructor(
    readonly w: BerWriter,
    readonly streaming: boolean,
  ) {}

  fail(reason: string): never {
    throw new QberEncodeError(reason, { path: [...this.prefix(), ...this.path] });
  }

  /** Opens a container, indefinite when `online` and streaming. */
  open(tag: Uint8Array, online: boolean): number {
    if (online && this.streaming) {
      this.w.beginIndefinite(tag);
      return -1;
    }
    return this.w.begin(tag);
  }

  close(mark: number): void {
    if (mark < 0) this.w.endIndefinite();
    else this.w.end(mark);
  }

  at<T>(part: string | number, write: () => T): T {
    this.path.push(part);
    try {
      return write();
    } finally {
      this.path.pop();
    }
  }

  qemuString(value: string): void {
    const bytes = textEncoder.encode(value);
    if (bytes.length < 1 || bytes.length > 255) this.fail(`a QemuString must be 1 to 255 UTF-8 bytes, got ${bytes.length}`);
    this.w.octets(TagBytes.utf8String, bytes);
  }

  integer(value: bigint, tag: Uint8Array = TagBytes.integer): void {
    if (typeof value !== "bigint") this.fail(`expected a bigint, got ${typeof value}`);
    this.w.integer(tag, value);
  }

  list<T>(items: readonly T[], tag: Uint8Array, online: boolean, write: (item: T) => void): void {
    const mark = this.open(tag, online);
    for (let i = 0; i < items.length; i++) this.at(i, () => write(items[i]!));
    this.close(mark);
  }
}

export function writeQemuFile(e: Encoder, v: QemuFile): void {
  const mark = e.open(TagBytes.qemuFile, true);
  e.at("version", () => {
    if (v.version !== 3n) e.fail(`version must be 3, got ${v.version}`);
    e.integer(v.version);
  });
  e.at("top", () => e.list(v.top, TagBytes.sequence, true, (s) => writeSection(e, s)));
  e.close(mark);
}

export function writeSection(e: Encoder, s: Section): void {
  if (s.kind === "full") e.at("full", () => writeSecFull(e, s));
  else if (s.kind === "min") e.at("min", () => writeSecMin(e, s));
  else e.fail(`unknown section kind ${String((s as { kind: unknown }).kind)}`);
}

export function writeSecFull(e: Encoder, s: SecFull): void {
  const mark = e.w.begin(TagBytes.secFull);
  e.at("name", () => e.qemuString(s.name));
  e.at("sectionid", () => e.integer(s.sectionId));
  e.at("instanceid", () => e.integer(s.instanceId));
  e.at("versionid", () => e.integer(s.versionId));
  e.at("contents", () => writeSecFullContents(e, s.contents));
  e.w.null(TagBytes.secEndMark);
  e.w.end(mark);
}

export function writeSecFullContents(e: Encoder, c: SecFullContents): void {
  switch (c.kind) {
    case "ramblid":
      return e.at("ramblid", () => writeRamBlockList(e, c.value));
    case "vmstate":
      return e.at("vmstate", () => writeEntries(e, c.value));
    case "oldblob":
      return e.at("oldblob", () => e.w.octets(TagBytes.octetString, c.value));
    default:
      return e.fail(`unknown SecFull contents ${String((c as { kind: unknown }).kind)}`);
  }
}

export function writeSecMin(e: Encoder, s: SecMin): void {
  const mark = e.open(TagBytes.secMin, true);
  e.at("sectionid", () => e.integer(s.sectionId));
  e.at("contents", () => e.at("ramsec", () => e.list(s.contents.value, TagBytes.ramsec, true, (b) => writeRamSecBlock(e, b))));
  e.w.null(TagBytes.secEndMark);
  e.close(mark);
}

export function writeRamSecBlock(e: Encoder, b: RamSecBlock): void {
  const mark = e.open(TagBytes.sequence, true);
  e.at("name", () => e.qemuString(b.name));
  e.at("pagelist", () => e.list(b.pages, TagBytes.sequence, true, (p) => writeRamPage(e, p)));
  e.close(mark);
}

export function writeRamPage(e: Encoder, p: RamPage): void {
  switch (p.kind) {
    case "compr":
    case "fullpage":
    case "xbzrle": {
      if (typeof p.addr !== "bigint") e.fail(`${p.kind}: addr must be a bigint`);
      const small = p.addr >= -MAX_SAFE && p.addr <= MAX_SAFE;
      const data = p.kind === "compr" ? undefined : p.data;
      return writePage(e, PAGE_KIND_CODES[p.kind], small ? Number(p.addr) : p.addr, data, 0, data?.length ?? 0);
    }
    case "hook":
      return e.w.null(TagBytes.hook);
    default:
      return e.fail(`unknown RAMPage kind ${String((p as { kind: unknown }).kind)}`);
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const PAGE_KIND_CODES = { compr: KIND_COMPR, fullpage: KIND_FULL, xbzrle: KIND_XBZRLE } as const;

/**
 * Writes one page from its parts, without a RamPage object: the kind code
 * (page-batch.ts), the address (a Number when safe), and the data as a range
 * of `data`. The streaming writer and the value codec share it.
 */
export function writePage(e: Encoder, kind: number, addr: number | bigint, data: Uint8Array | undefined, start: number, length: number): void {
  const w = e.w;
  if (kind === KIND_HOOK) return w.null(TagBytes.hook);
  const small = typeof addr === "number";
  if (small && !Number.isSafeInteger(addr)) e.fail(`page address ${addr} is not a safe integer`);
  const addrLen = small ? integerLengthOfNumber(addr) : integerLength(addr);
  if (kind === KIND_COMPR) {
    const buf = w.reserve(TagBytes.compr.length + 1 + addrLen);
    buf.set(TagBytes.compr, w.pos);
    w.pos += TagBytes.compr.length;
    buf[w.pos++] = addrLen;
    if (small) writeIntegerOfNumber(buf, w.pos, addr, addrLen);
    else writeInteger(buf, w.pos, addr, addrLen);
    w.pos += addrLen;
    return;
  }
  if (kind === KIND_FULL && length !== PAGE_SIZE && !isExtensionPageSize(length)) e.fail(`FullPage data must be a page (4096 bytes), got ${length}`);
  const tag = kind === KIND_FULL ? TagBytes.fullPage : TagBytes.xbzrlePage;
  const contentLen = 2 + addrLen + 1 + lengthOctets(length) + length;
  w.header(tag, contentLen);
  const buf = w.reserve(2 + addrLen + 1 + 9 + length);
  buf[w.pos] = 0x02;
  buf[w.pos + 1] = addrLen;
  if (small) writeIntegerOfNumber(buf, w.pos + 2, addr, addrLen);
  else writeInteger(buf, w.pos + 2, addr, addrLen);
  w.pos += 2 + addrLen;
  buf[w.pos] = 0x04;
  w.pos = writeLength(buf, w.pos + 1, length);
  if (length > 0) buf.set(data!.subarray(start, start + length), w.pos);
  w.pos += length;
}

export function writeRamBlockList(e: Encoder, v: RamBlockList): void {
  const mark = e.w.begin(TagBytes.ramBlockList);
  e.at("totalram", () => e.integer(v.totalram));
  e.at("blocks", () => e.list(v.blocks, TagBytes.sequence, false, (b) => writeRamBlockId(e, b)));
  e.w.end(mark);
}

export function writeRamBlockId(e: Encoder, b: RamBlockId): void {
  const mark = e.w.begin(TagBytes.sequence);
  e.at("name", () => e.qemuString(b.name));
  e.at("len", () => e.integer(b.len));
  e.w.end(mark);
}

export function writeEntries(e: Encoder, entries: readonly VmStateEntry[]): void {
  e.list(entries, TagBytes.sequence, false, (v) => writeEntry(e, v));
}

export function writeEntry(e: Encoder, v: VmStateEntry): void {
  switch (v.kind) {
    case "array":
      return e.at("array", () => writeEntries(e, v.value));
    case "bool":
      return e.w.boolean(TagBytes.boolean, v.value);
    case "int":
      return e.integer(v.value);
    case "oldblob":
      return e.w.octets(TagBytes.octetString, v.value);
    case "subsecl":
      return e.at("subsecl", () => e.list(v.value, TagBytes.subSecList, false, (s) => writeSubSection(e, s)));
    default:
      return e.fail(`unknown VMStateEntries kind ${String((v as { kind: unknown }).kind)}`);
  }
}

export function writeSubSection(e: Encoder, s: SubSection): void {
  const mark = e.w.begin(TagBytes.subSection);
  e.at("name", () => e.qemuString(s.name));
  e.at("versionid", () => e.integer(s.versionId));
  e.at("contents", () => writeEntries(e, s.contents));
  e.w.end(mark);
}

/** A writer for each schema type, by its ASN.1 name. */
export const schemaWriters: { readonly [K in SchemaTypeName]: (e: Encoder, v: SchemaTypes[K]) => void } = {
  QemuString: (e, v) => e.qemuString(v),
  FullPage: (e, v) => writeRamPage(e, { kind: "fullpage", ...v }),
  XBZRLEPage: (e, v) => writeRamPage(e, { kind: "xbzrle", ...v }),
  RAMBlockID: writeRamBlockId,
  RAMBlockList: writeRamBlockList,
  RAMPage: writeRamPage,
  RAMSecBlock: writeRamSecBlock,
  SubSection: writeSubSection,
  SubSecList: (e, v) => e.list(v, TagBytes.subSecList, false, (s) => writeSubSection(e, s)),
  VMStateEntries: writeEntry,
  VMState: writeEntries,
  SectionID: (e, v) => e.integer(v),
  SecEndMark: (e) => e.w.null(TagBytes.secEndMark),
  SecFull: writeSecFull,
  SecMin: writeSecMin,
  Sections: writeSection,
  QemuFile: writeQemuFile,
};

export function newEncoder(options: EncodeOptions = {}, size?: number): Encoder {
  return new Encoder(new BerWriter(size), options.streaming ?? false);
}
