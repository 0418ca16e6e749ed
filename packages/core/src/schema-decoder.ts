/**
 * Decodes every type of the schema from a Cursor. Each reader reads its own
 * header; the `*Body` readers take a header already read (for CHOICEs, whose
 * alternative is known only from the tag).
 */
import type { Cursor } from "./cursor.js";
import { Tag, describeTag } from "./tags.js";
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

/** The target page size of the schema's FullPage (SIZE (4096)). */
export const PAGE_SIZE = 4096;

/** Page sizes read as an extension outside strict mode. */
export function isExtensionPageSize(n: number): boolean {
  return n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

/** Reads `SEQUENCE OF` elements with `read`, keeping the path and count. */
function list<T>(c: Cursor, what: string, read: (c: Cursor) => T): T[] {
  const frame = c.enter();
  const out: T[] = [];
  while (c.more(frame)) {
    c.count(out.length + 1);
    c.path.push(out.length);
    out.push(read(c));
    c.path.pop();
  }
  c.leave(frame, what);
  return out;
}

function component<T>(c: Cursor, name: string, read: (c: Cursor) => T): T {
  c.path.push(name);
  const v = read(c);
  c.path.pop();
  return v;
}

export function readQemuFile(c: Cursor): QemuFile {
  c.expect(Tag.qemuFile, true, "QemuFile [APPLICATION 1270481]");
  const frame = c.enter();
  const version = component(c, "version", readVersion);
  c.path.push("top");
  c.expect(Tag.sequence, true, "top (SEQUENCE OF Sections)");
  const top = list(c, "top", readSection);
  c.path.pop();
  c.leave(frame, "QemuFile");
  return { version, top };
}

export function readVersion(c: Cursor): bigint {
  const at = c.pos;
  const v = c.readInteger("version (INTEGER)");
  if (v !== 3n) c.fail(`unsupported version ${v}`, at, "version 3");
  return v;
}

export function readSection(c: Cursor): Section {
  const tag = c.header();
  if (tag === Tag.secFull) return component(c, "full", readSecFullBody);
  if (tag === Tag.secMin) return component(c, "min", readSecMinBody);
  return c.fail(`unexpected tag ${describeTag(tag)}`, c.headerStart, "a section: SecFull [APPLICATION 2003] or SecMin [APPLICATION 211]");
}

export function readSecFull(c: Cursor): SecFull {
  c.expect(Tag.secFull, true, "SecFull [APPLICATION 2003]");
  return readSecFullBody(c);
}

/** The leading components of a SecFull, up to its contents. */
export interface SecFullHeader {
  readonly name: string;
  readonly sectionId: bigint;
  readonly instanceId: bigint;
  readonly versionId: bigint;
}

export function readSecFullHeader(c: Cursor): SecFullHeader {
  const name = component(c, "name", (c) => c.qemuString("name"));
  const sectionId = component(c, "sectionid", (c) => c.readInteger("sectionid (INTEGER)"));
  const instanceId = component(c, "instanceid", (c) => c.readInteger("instanceid (INTEGER)"));
  const versionId = component(c, "versionid", (c) => c.readInteger("versionid (INTEGER)"));
  return { name, sectionId, instanceId, versionId };
}

function readSecFullBody(c: Cursor): SecFull {
  const frame = c.enter();
  const head = readSecFullHeader(c);
  const contents = component(c, "contents", readSecFullContents);
  readEndMark(c, frame, "SecFull");
  return { kind: "full", ...head, contents };
}

export function readSecFullContents(c: Cursor): SecFullContents {
  const tag = c.header();
  if (tag === Tag.ramBlockList) return { kind: "ramblid", value: component(c, "ramblid", readRamBlockListBody) };
  if (tag === Tag.sequence) return { kind: "vmstate", value: component(c, "vmstate", readEntriesBody) };
  if (tag === Tag.octetString) return { kind: "oldblob", value: component(c, "oldblob", (c) => c.stringContents("oldblob")) };
  return c.fail(`unexpected tag ${describeTag(tag)}`, c.headerStart, "contents: ramblid [APPLICATION 8018], vmstate (SEQUENCE) or oldblob (OCTET STRING)");
}

/** Reads the closing SecEndMark of a section and leaves it. */
export function readEndMark(c: Cursor, frame: number, what: string): void {
  if (!c.more(frame)) c.fail(`${what} without its SecEndMark`, c.pos, "SecEndMark [APPLICATION 10693]");
  c.path.push("endmark");
  c.expect(Tag.secEndMark, false, "SecEndMark [APPLICATION 10693]");
  c.null("SecEndMark");
  c.path.pop();
  c.leave(frame, what);
}

export function readSecMin(c: Cursor): SecMin {
  c.expect(Tag.secMin, true, "SecMin [APPLICATION 211]");
  return readSecMinBody(c);
}

function readSecMinBody(c: Cursor): SecMin {
  const frame = c.enter();
  const sectionId = component(c, "sectionid", (c) => c.readInteger("sectionid (INTEGER)"));
  c.path.push("contents", "ramsec");
  c.expect(Tag.ramsec, true, "contents: ramsec [APPLICATION 9810]");
  const value = list(c, "ramsec", readRamSecBlock);
  c.path.pop();
  c.path.pop();
  readEndMark(c, frame, "SecMin");
  return { kind: "min", sectionId, contents: { kind: "ramsec", value } };
}

export function readRamSecBlock(c: Cursor): RamSecBlock {
  c.expect(Tag.sequence, true, "RAMSecBlock (SEQUENCE)");
  const frame = c.enter();
  const name = component(c, "name", (c) => c.qemuString("name"));
  c.path.push("pagelist");
  c.expect(Tag.sequence, true, "pagelist (SEQUENCE OF RAMPage)");
  const pages = list(c, "pagelist", readRamPage);
  c.path.pop();
  c.leave(frame, "RAMSecBlock");
  return { name, pages };
}

export function readRamPage(c: Cursor): RamPage {
  const tag = c.header();
  switch (tag) {
    case Tag.compr:
      return component(c, "compr", (c) => ({ kind: "compr", addr: c.integer() }));
    case Tag.fullPage:
      return component(c, "fullpage", (c) => readPageBody(c, "fullpage"));
    case Tag.xbzrlePage:
      return component(c, "xbzrle", (c) => readPageBody(c, "xbzrle"));
    case Tag.hook:
      c.null("hook");
      return { kind: "hook" };
    default:
      return c.fail(`unexpected tag ${describeTag(tag)}`, c.headerStart, "a RAMPage: compr, fullpage, xbzrle or hook");
  }
}

/** Checks FullPage data against SIZE (4096); other page sizes are an extension. */
export function checkPageSize(c: Cursor, len: number, at: number): void {
  if (len === PAGE_SIZE) return;
  if (c.strict) c.fail(`FullPage data is ${len} bytes (strict: the schema fixes 4096)`, at);
  if (!isExtensionPageSize(len)) c.fail(`FullPage data is ${len} bytes, not a page size`, at, "4096 bytes");
}

function readPageBody<K extends "fullpage" | "xbzrle">(c: Cursor, kind: K): { kind: K; addr: bigint; data: Uint8Array } {
  if (!c.h.constructed) c.fail(`${kind} must be constructed`, c.headerStart);
  const frame = c.enter();
  const addr = component(c, "addr", (c) => c.readInteger("addr (INTEGER)"));
  c.path.push("data");
  if (c.header() !== Tag.octetString) c.fail(`unexpected tag ${describeTag(c.h.tag)}`, c.headerStart, "data (OCTET STRING)");
  const at = c.headerStart;
  const data = c.stringContents("data");
  if (kind === "fullpage") checkPageSize(c, data.length, at);
  c.path.pop();
  c.leave(frame, kind);
  return { kind, addr, data };
}

export function readRamBlockList(c: Cursor): RamBlockList {
  c.expect(Tag.ramBlockList, true, "RAMBlockList [APPLICATION 8018]");
  return readRamBlockListBody(c);
}

function readRamBlockListBody(c: Cursor): RamBlockList {
  const frame = c.enter();
  const totalram = component(c, "totalram", (c) => c.readInteger("totalram (INTEGER)"));
  c.path.push("blocks");
  c.expect(Tag.sequence, true, "blocks (SEQUENCE OF RAMBlockID)");
  const blocks = list(c, "blocks", readRamBlockId);
  c.path.pop();
  c.leave(frame, "RAMBlockList");
  return { totalram, blocks };
}

export function readRamBlockId(c: Cursor): RamBlockId {
  c.expect(Tag.sequence, true, "RAMBlockID (SEQUENCE)");
  const frame = c.enter();
  const name = component(c, "name", (c) => c.qemuString("name"));
  const len = component(c, "len", (c) => c.readInteger("len (INTEGER)"));
  c.leave(frame, "RAMBlockID");
  return { name, len };
}

/** `SEQUENCE OF VMStateEntries` after its header. */
function readEntriesBody(c: Cursor): VmStateEntry[] {
  if (!c.h.constructed) c.fail("a SEQUENCE OF VMStateEntries must be constructed", c.headerStart);
  return list(c, "entries", readEntry);
}

export function readEntries(c: Cursor): VmStateEntry[] {
  c.expect(Tag.sequence, true, "SEQUENCE OF VMStateEntries");
  return readEntriesBody(c);
}

export function readEntry(c: Cursor): VmStateEntry {
  const tag = c.header();
  switch (tag) {
    case Tag.sequence:
      return { kind: "array", value: component(c, "array", readEntriesBody) };
    case Tag.boolean:
      return { kind: "bool", value: c.boolean() };
    case Tag.integer:
      return { kind: "int", value: c.integer() };
    case Tag.octetString:
      return { kind: "oldblob", value: component(c, "oldblob", (c) => c.stringContents("oldblob")) };
    case Tag.subSecList:
      return { kind: "subsecl", value: component(c, "subsecl", readSubSecListBody) };
    default:
      return c.fail(`unexpected tag ${describeTag(tag)}`, c.headerStart, "a VMStateEntries: array, bool, int, oldblob or subsecl");
  }
}

function readSubSecListBody(c: Cursor): SubSection[] {
  if (!c.h.constructed) c.fail("SubSecList must be constructed", c.headerStart);
  return list(c, "subsecl", readSubSection);
}

export function readSubSection(c: Cursor): SubSection {
  c.expect(Tag.subSection, true, "SubSection [APPLICATION 10707]");
  const frame = c.enter();
  const name = component(c, "name", (c) => c.qemuString("name"));
  const versionId = component(c, "versionid", (c) => c.readInteger("versionid (INTEGER)"));
  const contents = component(c, "contents", readEntries);
  c.leave(frame, "SubSection");
  return { name, versionId, contents };
}

/** A reader for each schema type, by its ASN.1 name. */
export const schemaReaders: { readonly [K in SchemaTypeName]: (c: Cursor) => SchemaTypes[K] } = {
  QemuString: (c) => c.qemuString("QemuString"),
  FullPage: (c) => {
    c.expect(Tag.fullPage, true, "FullPage [APPLICATION 9040]");
    const { addr, data } = readPageBody(c, "fullpage");
    return { addr, data };
  },
  XBZRLEPage: (c) => {
    c.expect(Tag.xbzrlePage, true, "XBZRLEPage [APPLICATION 11330]");
    const { addr, data } = readPageBody(c, "xbzrle");
    return { addr, data };
  },
  RAMBlockID: readRamBlockId,
  RAMBlockList: readRamBlockList,
  RAMPage: readRamPage,
  RAMSecBlock: readRamSecBlock,
  SubSection: readSubSection,
  SubSecList: (c) => {
    c.expect(Tag.subSecList, true, "SubSecList [APPLICATION 10700]");
    return readSubSecListBody(c);
  },
  VMStateEntries: readEntry,
  VMState: readEntries,
  SectionID: (c) => c.readInteger("SectionID (INTEGER)"),
  SecEndMark: (c) => {
    c.expect(Tag.secEndMark, false, "SecEndMark [APPLICATION 10693]");
    c.null("SecEndMark");
    return null;
  },
  SecFull: readSecFull,
  SecMin: readSecMin,
  Sections: readSection,
  QemuFile: readQemuFile,
};
