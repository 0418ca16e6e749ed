/**
 * Reads the framing of QEMU's stream: header, record types, section headers,
 * footers, the vmdesc JSON. Section bodies are left to the caller (RAM
 * records, device state), which reads them through the same ChunkReader.
 */
import type { ByteSource } from "../byte-source.js";
import { ChunkReader } from "../chunk-reader.js";
import { QberDecodeError, QberLimitError } from "../errors.js";
import { LEGACY_MAGIC, LEGACY_VERSION, LEGACY_VERSION_COMPAT, RecordType, commandFeature, commandNames } from "./legacy-format.js";

/** A section header: START and FULL carry everything, PART and END only the id. */
export interface LegacySectionHeader {
  readonly type: "start" | "full" | "part" | "end";
  /** Offset of the type byte. */
  readonly offset: number;
  readonly sectionId: number;
  readonly idstr?: string;
  readonly instanceId?: number;
  readonly versionId?: number;
}

export type LegacyRecord =
  | LegacySectionHeader
  | { readonly type: "configuration"; readonly offset: number }
  | { readonly type: "eof"; readonly offset: number }
  | { readonly type: "vmdesc"; readonly offset: number; readonly json: Uint8Array }
  /** The input ended where a record could start (a stream with no EOF byte). */
  | { readonly type: "end-of-input"; readonly offset: number };

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8");

export interface LegacyReaderOptions {
  /** Largest vmdesc JSON accepted, in bytes. */
  readonly maxVmdescLength?: number;
}

export class LegacyReader {
  readonly r: ChunkReader;
  /** Whether sections end with footers; undefined until the first section tells. */
  footers: boolean | undefined;
  private readonly maxVmdesc: number;
  /** Where the reader is, for messages: e.g. ["section", 3, "timer"]. */
  readonly path: (string | number)[] = [];

  constructor(source: ByteSource | ChunkReader, options: LegacyReaderOptions = {}) {
    this.r = source instanceof ChunkReader ? source : new ChunkReader(source);
    this.maxVmdesc = options.maxVmdescLength ?? 64 * 1024 * 1024;
  }

  get offset(): number {
    return this.r.offset;
  }

  fail(reason: string, offset = this.r.offset, expected?: string): never {
    throw new QberDecodeError(reason, { offset, path: [...this.path], ...(expected === undefined ? {} : { expected }) });
  }

  /** Fails as truncated input. */
  private incomplete(reason: string): never {
    throw new QberDecodeError(reason, { offset: this.r.offset, path: [...this.path], incomplete: true });
  }

  /** Makes `n` bytes available or fails as truncated input. */
  async need(n: number, what: string): Promise<void> {
    if (!(await this.r.ensure(n))) this.incomplete(`the input ends inside ${what}`);
  }

  async u8(what: string): Promise<number> {
    await this.need(1, what);
    return this.r.buf[this.r.pos++]!;
  }

  async be16(what: string): Promise<number> {
    await this.need(2, what);
    const r = this.r;
    const v = (r.buf[r.pos]! << 8) | r.buf[r.pos + 1]!;
    r.pos += 2;
    return v;
  }

  async be32(what: string): Promise<number> {
    await this.need(4, what);
    const r = this.r;
    const b = r.buf;
    const v = b[r.pos]! * 0x1000000 + ((b[r.pos + 1]! << 16) | (b[r.pos + 2]! << 8) | b[r.pos + 3]!);
    r.pos += 4;
    return v;
  }

  /** A be64 as a Number; fails if it is not below 2^53. */
  async be64(what: string): Promise<number> {
    const at = this.r.offset;
    const hi = await this.be32(what);
    const lo = await this.be32(what);
    if (hi >= 0x200000) this.fail(`${what} 0x${hi.toString(16)}${lo.toString(16).padStart(8, "0")} is beyond 2^53`, at);
    return hi * 0x100000000 + lo;
  }

  async bytes(n: number, what: string): Promise<Uint8Array> {
    await this.need(n, what);
    const r = this.r;
    const v = r.buf.slice(r.pos, r.pos + n);
    r.pos += n;
    return v;
  }

  /** A u8-length-prefixed name (idstr, block name, subsection name). */
  async countedString(what: string): Promise<string> {
    const n = await this.u8(`${what} length`);
    return latin1.decode(await this.bytes(n, what));
  }

  /** The file header: magic "QEVM" and version 3. */
  async header(): Promise<void> {
    if (await this.r.atEnd()) throw new QberDecodeError("the input is empty", { offset: 0, incomplete: true });
    const magic = await this.be32("the stream header");
    if (magic !== LEGACY_MAGIC) this.fail(`not a QEMU migration stream (magic 0x${magic.toString(16).padStart(8, "0")})`, 0, 'the magic "QEVM" (51 45 56 4d)');
    const version = await this.be32("the stream header");
    if (version === LEGACY_VERSION_COMPAT) this.fail("QEMU stream version 2 is obsolete (QEMU refuses it too)", 4, "version 3");
    if (version !== LEGACY_VERSION) this.fail(`unsupported QEMU stream version ${version}`, 4, "version 3");
  }

  /**
   * Reads the next record's type and header. Section bodies are not read;
   * after a body the caller calls `footer`.
   */
  async next(): Promise<LegacyRecord> {
    const offset = this.r.offset;
    if (await this.r.atEnd()) return { type: "end-of-input", offset };
    const type = await this.u8("a record type");
    switch (type) {
      case RecordType.sectionStart:
      case RecordType.sectionFull: {
        const sectionId = await this.be32("a section header");
        const idstr = await this.countedString("a section name");
        const instanceId = await this.be32("a section header");
        const versionId = await this.be32("a section header");
        return { type: type === RecordType.sectionStart ? "start" : "full", offset, sectionId, idstr, instanceId, versionId };
      }
      case RecordType.sectionPart:
      case RecordType.sectionEnd: {
        const sectionId = await this.be32("a section header");
        return { type: type === RecordType.sectionPart ? "part" : "end", offset, sectionId };
      }
      case RecordType.configuration:
        return { type: "configuration", offset };
      case RecordType.eof:
        return { type: "eof", offset };
      case RecordType.vmdescription: {
        const len = await this.be32("the vmdesc length");
        if (len > this.maxVmdesc) throw new QberLimitError("vmdesc length", len, this.maxVmdesc, { offset, path: [...this.path] });
        return { type: "vmdesc", offset, json: await this.bytes(len, "the vmdesc JSON") };
      }
      case RecordType.command: {
        const cmd = await this.be16("a command");
        const name = commandNames[cmd] ?? `command ${cmd}`;
        return this.fail(`unsupported stream: ${name} belongs to ${commandFeature(cmd)}, which qber does not carry`, offset);
      }
      case RecordType.footer:
        return this.fail("a section footer where a record was expected", offset);
      case RecordType.subsection:
        return this.fail("a subsection marker (0x05) outside a device section", offset);
      default:
        return this.fail(`unknown record type 0x${type.toString(16).padStart(2, "0")}`, offset, "a section, EOF or the vmdesc");
    }
  }

  /**
   * Reads the footer after a section body, if the stream has footers (it is
   * told by peeking: 0x7e is never a record type). Fails on a footer whose id
   * does not match, or a missing one once footers were seen.
   */
  async footer(sectionId: number): Promise<boolean> {
    const r = this.r;
    const more = await r.ensure(1);
    if (!more && this.footers) this.incomplete(`the input ends where the footer of section ${sectionId} belongs`);
    const present = more && r.buf[r.pos] === RecordType.footer;
    if (this.footers === undefined) this.footers = present;
    if (!present) {
      if (this.footers) this.fail(`missing section footer for section ${sectionId}`, r.offset, "0x7e and the section id");
      return false;
    }
    if (!this.footers) this.fail("a section footer in a stream whose earlier sections had none");
    const at = r.offset;
    r.pos++;
    const id = await this.be32("a section footer");
    if (id !== sectionId) this.fail(`section footer for section ${id} after section ${sectionId}`, at);
    return true;
  }

  /** Decodes vmdesc bytes as text (QEMU writes ASCII JSON). */
  static vmdescText(json: Uint8Array): string {
    return utf8.decode(json);
  }
}
