/**
 * QEMU stream -> BER, streaming (DESIGN §4). RAM converts page by page as it
 * arrives; device sections, which carry no length, are held (with the EOF
 * and vmdesc after them) until the vmdesc is there, then decoded by a plugin,
 * by the stream's own vmdesc, or kept as raw bytes. Memory is bounded by the
 * device state, not by RAM size.
 */
import {
  type ByteSink,
  type ByteSource,
  ChunkReader,
  LegacyReader,
  type LegacySectionHeader,
  QberDecodeError,
  QberLimitError,
  type Registry,
  type SecFull,
  SectionWriter,
  KIND_COMPR,
  KIND_FULL,
  KIND_XBZRLE,
  isQberError,
} from "@qber/core";
import { type RamRecord, type RamRecordVisitor, newRamParseState, parseRamRecords } from "@qber/ram";
import { findVmdescRecord, parseVmdesc } from "@qber/vmstate";
import { type DecodedBy, SnapshotContext } from "../classify/snapshot-context.js";
import { defaultRegistry } from "@qber/devices";
import { configurationCapabilities, readConfiguration } from "./configuration.js";
import { ReservedName, type StreamInfo, encodeStreamInfo, reservedSection } from "@qber/core";

export interface ImportOptions {
  /**
   * Device plugins (default: the ones the qber command uses, every model of
   * @qber/devices); sections without one are decoded from the stream's
   * vmdesc. `emptyRegistry` decodes every device by the vmdesc alone.
   */
  readonly registry?: Registry;
  /** Largest device state (everything after the RAM) held in memory, in bytes (default 256 MiB). */
  readonly maxDeviceState?: number;
  /** Largest vmdesc JSON accepted, in bytes (default 64 MiB; it is part of the device state too). */
  readonly maxVmdescLength?: number;
  /** Called as input is consumed, with the byte offset reached. */
  readonly onProgress?: (offset: number) => void;
  /**
   * The header and metadata of the libvirt save image the stream came in
   * (LibvirtSave.bytes), kept in a `libvirt:save` section so export can
   * rebuild the image.
   */
  readonly libvirtSave?: Uint8Array;
}

export interface ImportSummary {
  readonly sections: number;
  readonly pages: { zero: number; full: number; xbzrle: number };
  readonly devices: readonly { readonly name: string; readonly instanceId: number; readonly decodedBy: DecodedBy }[];
  /** Things that will not come back byte for byte on export. */
  readonly warnings: readonly string[];
}

const PAGE = 4096;

/** The bytes after the RAM, held whole, and the vmdesc found at their end. */
interface Tail {
  readonly bytes: Uint8Array;
  /** Stream offset of bytes[0]. */
  readonly start: number;
  readonly vmdescBytes: Uint8Array | undefined;
}

/** Converts QEMU streams to BER; one instance per stream. */
class Importer {
  private readonly r: LegacyReader;
  private readonly out: SectionWriter;
  private readonly context: SnapshotContext;
  private readonly ram = newRamParseState();
  private ramSectionId: number | undefined;
  private ignoreShared = false;
  private streamInfoWritten = false;
  private ramBlockExtras: StreamInfo["ramBlocks"];
  /** Block of the last page record, for QEMU's CONTINUE rule. */
  private lastBlock: string | undefined;
  private sections = 0;
  private readonly pages = { zero: 0, full: 0, xbzrle: 0 };
  private readonly devices: { name: string; instanceId: number; decodedBy: DecodedBy }[] = [];
  private readonly warnings: string[] = [];

  constructor(
    source: ByteSource,
    sink: ByteSink,
    private readonly options: ImportOptions,
  ) {
    this.r = new LegacyReader(source, options.maxVmdescLength === undefined ? {} : { maxVmdescLength: options.maxVmdescLength });
    this.out = new SectionWriter(sink);
    this.context = new SnapshotContext(options.registry ?? defaultRegistry);
  }

  private async write(s: SecFull): Promise<void> {
    await this.out.writeSection(s);
    this.sections++;
  }

  /** The qemu:stream record goes out once, before the first section that has (or lacks) a footer. */
  private async writeStreamInfo(): Promise<void> {
    if (this.streamInfoWritten) return;
    this.streamInfoWritten = true;
    const info: StreamInfo = { footers: this.r.footers ?? true, ...(this.ramBlockExtras ? { ramBlocks: this.ramBlockExtras } : {}) };
    await this.write(reservedSection(ReservedName.stream, { kind: "oldblob", value: encodeStreamInfo(info) }));
  }

  /** Releases the input (a file source closes its file), also after a failure. */
  close(): Promise<void> {
    return this.r.r.close();
  }

  async run(): Promise<ImportSummary> {
    const r = this.r;
    await r.header();
    if (this.options.libvirtSave) await this.write(reservedSection(ReservedName.libvirtSave, { kind: "oldblob", value: this.options.libvirtSave }));
    for (;;) {
      const rec = await r.next();
      this.options.onProgress?.(r.offset);
      switch (rec.type) {
        case "configuration": {
          r.path.splice(0, r.path.length, "configuration");
          const entries = await readConfiguration(r);
          const capabilities = configurationCapabilities(entries);
          if (capabilities.includes("mapped-ram")) {
            r.fail(
              "a mapped-ram stream (QEMU 9.0+ file migration) keeps its pages at file offsets: qber reads it from its file, not from a stream",
              rec.offset,
            );
          }
          this.ignoreShared = capabilities.includes("x-ignore-shared");
          this.context.useConfiguration(entries);
          await this.write(reservedSection(ReservedName.configuration, { kind: "vmstate", value: entries }));
          break;
        }
        case "start":
          await this.ramStart(rec);
          break;
        case "part":
        case "end":
          await this.ramIteration(rec);
          break;
        case "full":
          await this.deviceTail(rec);
          return this.finish();
        case "eof":
          await this.deviceTail(undefined);
          return this.finish();
        case "end-of-input":
          throw new QberDecodeError("the stream ends before its EOF record", { offset: rec.offset, incomplete: true });
        default:
          return r.fail(`unexpected ${rec.type} record`, rec.offset);
      }
    }
  }

  private async finish(): Promise<ImportSummary> {
    await this.out.close();
    return { sections: this.sections, pages: this.pages, devices: this.devices, warnings: this.warnings };
  }

  /** Parses RAM records until EOS, handing page records to `visitor`; returns the other records. */
  private async ramBody(visitor: Pick<RamRecordVisitor, "page">): Promise<RamRecord[]> {
    const rb = this.r.r;
    const other: RamRecord[] = [];
    const sink: RamRecordVisitor = { page: visitor.page, other: (rec) => other.push(rec) };
    for (;;) {
      const base = rb.offsetOf(0);
      const progress = parseRamRecords(rb.buf, rb.pos, rb.buf.length, this.ram, sink, { base, ignoreShared: this.ignoreShared });
      rb.pos = progress.pos;
      if (this.out.needsFlush) await this.out.flush();
      if (progress.done) return other;
      // A record whose length is not known up front (a long block list) says
      // only a little more than it has: buffer at least twice as much, so
      // re-parsing it from its start costs linear time, not quadratic.
      const want = Math.max(progress.needed, Math.min(2 * rb.available, 64 * 1024 * 1024));
      if (!(await rb.ensure(want)) && rb.available < progress.needed) {
        throw new QberDecodeError("the input ends inside a RAM section", { offset: rb.offset, path: [...this.r.path], incomplete: true });
      }
      this.options.onProgress?.(rb.offset);
    }
  }

  private async ramStart(h: LegacySectionHeader): Promise<void> {
    const r = this.r;
    r.path.splice(0, r.path.length, `section ${h.sectionId} (${h.idstr})`);
    if (h.idstr !== "ram") r.fail(`unsupported live section ${JSON.stringify(h.idstr)}: qber carries RAM only`, h.offset);
    if (h.versionId !== 4) r.fail(`RAM section version ${h.versionId}`, h.offset, "version 4");
    this.ramSectionId = h.sectionId;
    const records = await this.ramBody({ page: () => r.fail("page records in the RAM setup section are not supported", r.offset) });
    const memSize = records.find((x) => x.kind === "mem-size");
    if (memSize?.kind !== "mem-size") return r.fail("RAM setup section without its block list", h.offset);
    await r.footer(h.sectionId);
    const extras = memSize.blocks.filter((b) => b.mrAddr !== undefined || b.pageSize !== undefined);
    if (extras.length > 0)
      this.ramBlockExtras = extras.map((b) => ({
        name: b.name,
        ...(b.mrAddr === undefined ? {} : { mrAddr: b.mrAddr }),
        ...(b.pageSize === undefined ? {} : { pageSize: b.pageSize }),
      }));
    await this.writeStreamInfo();
    await this.write({
      kind: "full",
      name: h.idstr!,
      sectionId: BigInt(h.sectionId),
      instanceId: BigInt(h.instanceId!),
      versionId: BigInt(h.versionId!),
      contents: { kind: "ramblid", value: { totalram: BigInt(memSize.total), blocks: memSize.blocks.map((b) => ({ name: b.name, len: BigInt(b.length) })) } },
    });
  }

  private async ramIteration(h: LegacySectionHeader): Promise<void> {
    const r = this.r;
    r.path.splice(0, r.path.length, `section ${h.sectionId} (${h.type})`);
    if (h.sectionId !== this.ramSectionId) r.fail(`${h.type} section ${h.sectionId} has no RAM START before it`, h.offset);
    if (h.type === "end") await this.write(reservedSection(ReservedName.end, { kind: "oldblob", value: new Uint8Array(0) }));
    const out = this.out;
    out.beginMin(BigInt(h.sectionId));
    let open: string | undefined;
    const buf = () => r.r.buf;
    await this.ramBody({
      page: (kind, block, offset, continued, dataStart, dataLength, fill) => {
        const name = block.name;
        if (name !== open) {
          if (open !== undefined) out.endBlock();
          out.beginBlock(name);
          open = name;
        }
        if (continued !== (name === this.lastBlock)) {
          this.warnings.push(`page 0x${offset.toString(16)} of ${name}: CONTINUE flag differs from QEMU's rule; it will be written by the rule`);
        }
        this.lastBlock = name;
        if (kind === "zero") {
          if (fill === 0) {
            this.pages.zero++;
            out.writePageParts(KIND_COMPR, offset, undefined, 0, 0);
          } else {
            this.pages.full++;
            this.warnings.push(`page 0x${offset.toString(16)} of ${name}: ZERO record with fill 0x${fill.toString(16)} becomes a full page (exported as PAGE)`);
            out.writePageParts(KIND_FULL, offset, new Uint8Array(PAGE).fill(fill), 0, PAGE);
          }
        } else if (kind === "page") {
          this.pages.full++;
          out.writePageParts(KIND_FULL, offset, buf(), dataStart, dataLength);
        } else {
          this.pages.xbzrle++;
          out.writePageParts(KIND_XBZRLE, offset, buf(), dataStart, dataLength);
        }
      },
    });
    if (open !== undefined) out.endBlock();
    await out.endMin();
    this.sections++;
    await r.footer(h.sectionId);
  }

  /**
   * Everything after the RAM: device sections, EOF, vmdesc, held in memory.
   * `first` is the header of the first FULL section (already read), if any.
   */
  private async deviceTail(first: LegacySectionHeader | undefined): Promise<void> {
    try {
      await this.deviceTailOf(first);
    } catch (e) {
      throw this.cutShort(e);
    }
  }

  /**
   * Device sections have no length: without the vmdesc (QEMU always appends
   * one, unless a machine suppresses it) a model may read the wrong layout and
   * fail further on. When the vmdesc is missing, that failure most likely
   * means the stream was cut, and is reported so.
   */
  private cutShort(e: unknown): unknown {
    if (!isQberError(e, "QberDecodeError") || e.incomplete || this.tailHadVmdesc) return e;
    return new QberDecodeError(`the stream has no vmdesc and its device state does not parse (${e.reason}): it was probably cut short`, {
      ...(e.offset === undefined ? {} : { offset: e.offset }),
      incomplete: true,
      cause: e,
    });
  }

  private tailHadVmdesc = false;

  private async deviceTailOf(first: LegacySectionHeader | undefined): Promise<void> {
    const r = this.r;
    const start = r.offset;
    const limit = this.options.maxDeviceState ?? 256 * 1024 * 1024;
    const bytes = await r.r.rest(limit);
    // More than `limit` bytes: a limit error (raised with --max-device-state).
    if (bytes === undefined)
      throw new QberLimitError("device state", limit + 1, limit, { offset: start, expected: "a larger maxDeviceState (--max-device-state)" });
    const at = findVmdescRecord(bytes);
    const vmdescBytes = at >= 0 ? bytes.subarray(at + 5) : undefined;
    this.tailHadVmdesc = vmdescBytes !== undefined;
    if (vmdescBytes !== undefined) this.context.useVmdesc(parseVmdesc(vmdescBytes));
    const tail: Tail = { bytes, start, vmdescBytes };
    const tr = new LegacyReader(
      new ChunkReader([bytes], start),
      this.options.maxVmdescLength === undefined ? {} : { maxVmdescLength: this.options.maxVmdescLength },
    );
    tr.footers = r.footers;
    let header = first;
    let sawEof = first === undefined;
    for (;;) {
      if (header === undefined) {
        const rec = await tr.next();
        if (rec.type === "full") {
          header = rec;
        } else if (rec.type === "eof") {
          sawEof = true;
          continue;
        } else if (rec.type === "vmdesc") {
          if (!sawEof) tr.fail("vmdesc before EOF", rec.offset);
          await this.writeVmdesc(rec.json);
          continue;
        } else if (rec.type === "end-of-input") {
          if (!sawEof) throw new QberDecodeError("the stream ends without its EOF record", { offset: rec.offset, incomplete: true });
          return;
        } else {
          return tr.fail(`a ${rec.type} section after the device state is not supported`, rec.offset);
        }
      }
      if (sawEof) tr.fail("a device section after EOF", header.offset);
      await this.device(tr, header, tail);
      header = undefined;
    }
  }

  private vmdescWritten = false;

  /** qemu:vmdesc goes before the first device section, so readers have it while they stream. */
  private async writeVmdesc(json: Uint8Array): Promise<void> {
    if (this.vmdescWritten) return;
    this.vmdescWritten = true;
    await this.writeStreamInfo();
    await this.write(reservedSection(ReservedName.vmdesc, { kind: "oldblob", value: json }));
  }

  private async device(tr: LegacyReader, h: LegacySectionHeader, tail: Tail): Promise<void> {
    const name = h.idstr!;
    tr.path.splice(0, tr.path.length, `section ${h.sectionId} (${name})`);
    const info = { name, instanceId: BigInt(h.instanceId!), versionId: BigInt(h.versionId!) };
    const body = tail.bytes.subarray(tr.offset - tail.start);
    const decoded = this.context.decodeLegacy(info, body, tr.offset, () => this.blobLength(h, body, tr));
    if (decoded.warning !== undefined) this.warnings.push(decoded.warning);
    if (!(await tr.r.skip(decoded.length))) tr.fail(`${name} runs past the end of the stream`);
    await tr.footer(h.sectionId);
    if (this.r.footers === undefined) this.r.footers = tr.footers;
    await this.writeStreamInfo();
    if (tail.vmdescBytes !== undefined) await this.writeVmdesc(tail.vmdescBytes);
    this.devices.push({ name, instanceId: h.instanceId!, decodedBy: decoded.by });
    await this.write({
      kind: "full",
      name,
      sectionId: BigInt(h.sectionId),
      instanceId: info.instanceId,
      versionId: info.versionId,
      contents: decoded.contents,
    });
  }

  /** A section nobody can parse ends at its footer: the first `7e id` that a record follows. */
  private blobLength(h: LegacySectionHeader, body: Uint8Array, tr: LegacyReader): number {
    if (tr.footers === false) tr.fail(`no plugin and no vmdesc for ${h.idstr}, and the stream has no footers to find its end`, tr.offset);
    const id = h.sectionId;
    for (let k = 0; k + 5 <= body.length; k++) {
      if (body[k] !== 0x7e) continue;
      const got = ((body[k + 1]! << 24) | (body[k + 2]! << 16) | (body[k + 3]! << 8) | body[k + 4]!) >>> 0;
      if (got !== id) continue;
      const next = body[k + 5];
      if (next === undefined || next === 0x04 || next === 0x00) return k;
    }
    // The input ended before a footer: a cut stream (or one whose vmdesc was cut off).
    throw new QberDecodeError(`the input ends inside section ${h.idstr}, which has no plugin and no vmdesc: no footer follows it`, {
      offset: tr.offset,
      path: [...tr.path],
      incomplete: true,
    });
  }
}

/** Converts a QEMU migration stream (file version 3) into a qber BER file. */
export async function importQemuStream(source: ByteSource, sink: ByteSink, options: ImportOptions = {}): Promise<ImportSummary> {
  const importer = new Importer(source, sink, options);
  try {
    return await importer.run();
  } finally {
    await importer.close();
  }
}
