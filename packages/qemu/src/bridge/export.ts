/**
 * BER -> QEMU stream, streaming (DESIGN §4): the inverse of import. RAM pages
 * become page records as they are read; device sections are encoded by their
 * plugin, else by the description derived from the file's qemu:vmdesc, else
 * written back from their raw bytes. A file imported from QEMU comes back
 * byte for byte.
 */
import {
  type ByteSink,
  type ByteSource,
  type DecodeLimits,
  LegacyWriter,
  type PageBatch,
  QberEncodeError,
  type Registry,
  type SecFull,
  type StreamedSecMin,
  readSections,
} from "@qber/core";
import { type RamBlock, type RamRecord, newRamWriteState, writeRamRecords } from "@qber/ram";
import { SnapshotContext } from "../classify/snapshot-context.js";
import { defaultRegistry } from "@qber/devices";
import { writeConfiguration } from "./configuration.js";
import { ReservedName, type StreamInfo, decodeStreamInfo, isReservedSection } from "@qber/core";
import { ContainerOutput } from "../containers/container-output.js";
import {
  type LibvirtFormat,
  type LibvirtSave,
  buildLibvirtSave,
  compressionOf,
  parseLibvirtHeader,
  parseLibvirtSave,
  rebuildLibvirtSave,
} from "../containers/libvirt-save.js";

export interface ExportOptions {
  /**
   * Device plugins, used before the file's vmdesc (default: the ones the qber
   * command uses, every model of @qber/devices). A section decoded by a
   * plugin on import needs that plugin here.
   */
  readonly registry?: Registry;
  /** Called as input is consumed, with the BER byte offset reached. */
  readonly onProgress?: (offset: number) => void;
  readonly limits?: Partial<DecodeLimits>;
  /**
   * What to write the stream in: "keep" (default) rebuilds the libvirt save
   * image the file was imported from (its `libvirt:save` section) and writes
   * a bare stream otherwise; "qemu" writes a bare stream; a libvirt format
   * writes a libvirt save image in that format.
   */
  readonly container?: "keep" | "qemu" | Exclude<LibvirtFormat, "sparse">;
  /** A domain XML for the libvirt save image, in place of the kept one (needed when the file has none). */
  readonly xml?: string;
}

export interface ExportSummary {
  readonly sections: number;
  readonly pages: number;
}

const KIND_NAMES = ["zero", "page", "xbzrle"] as const;

class Exporter {
  private readonly w: LegacyWriter;
  private readonly out: ContainerOutput;
  /** Whether the container around the stream has been decided (at the first section). */
  private decided = false;
  private readonly context: SnapshotContext;
  private info: StreamInfo = { footers: true };
  private vmdescBytes: Uint8Array | undefined;
  private nextIsEnd = false;
  private readonly ram = newRamWriteState();
  private sections = 0;
  private pages = 0;

  constructor(
    sink: ByteSink,
    private readonly options: ExportOptions,
  ) {
    this.out = new ContainerOutput(sink);
    this.w = new LegacyWriter(this.out);
    this.context = new SnapshotContext(options.registry ?? defaultRegistry);
  }

  async run(source: ByteSource): Promise<ExportSummary> {
    const w = this.w;
    w.header();
    try {
      // Small batches: each becomes one buffer of QEMU records, so memory stays low.
      for await (const s of readSections(source, undefined, { batchSize: 256, ...(this.options.limits ? { limits: this.options.limits } : {}) })) {
        this.options.onProgress?.(s.offset);
        if (!this.decided)
          this.decide(s.kind === "full" && isReservedSection(s.section) && s.section.name === ReservedName.libvirtSave ? s.section : undefined);
        if (s.kind === "min") await this.ramIteration(s);
        else this.full(s.section);
        await w.flushIfFull();
      }
      if (!this.decided) this.decide(undefined);
      w.eof();
      if (this.vmdescBytes) w.vmdesc(this.vmdescBytes);
      await w.flush();
      await this.out.finish();
    } catch (e) {
      this.out.abort();
      throw e;
    }
    return { sections: this.sections, pages: this.pages };
  }

  /** The container around the stream, from the first section (the kept libvirt image, if that is it) and the options. */
  private decide(kept: SecFull | undefined): void {
    this.decided = true;
    const choice = this.options.container ?? "keep";
    if (choice === "qemu") return;
    let save: LibvirtSave | undefined;
    if (kept) {
      if (kept.contents.kind !== "oldblob") throw new QberEncodeError("libvirt:save must hold an oldblob");
      const bytes = kept.contents.value;
      save = parseLibvirtSave(bytes, parseLibvirtHeader(bytes, "libvirt:save section", bytes.length), "libvirt:save section");
    }
    if (choice === "keep" && !save) return;
    const format: LibvirtFormat = choice === "keep" ? save!.header.format : choice;
    if (format === "sparse")
      throw new QberEncodeError(
        "qber does not write libvirt's sparse (mapped-ram) format: choose another with --format (raw, gzip, bzip2, xz, lzop, zstd) or qemu",
      );
    let prefix: Uint8Array;
    if (save) prefix = rebuildLibvirtSave(save, { format, ...(this.options.xml !== undefined ? { xml: this.options.xml } : {}) });
    else if (this.options.xml !== undefined) prefix = buildLibvirtSave(this.options.xml, undefined, { littleEndian: true, wasRunning: true, format });
    else throw new QberEncodeError("the file holds no libvirt save image to rebuild: give the domain XML (--xml) to write one");
    this.out.wrap(prefix, compressionOf(format));
  }

  private footer(id: number): void {
    if (this.info.footers) this.w.footer(id);
  }

  private full(s: SecFull): void {
    const w = this.w;
    const c = s.contents;
    if (isReservedSection(s)) {
      switch (s.name) {
        case ReservedName.configuration:
          if (c.kind !== "vmstate") throw new QberEncodeError("configuration must hold vmstate entries");
          w.configuration();
          writeConfiguration(w, c.value);
          this.context.see(s);
          return;
        case ReservedName.stream:
          if (c.kind !== "oldblob") throw new QberEncodeError("qemu:stream must hold an oldblob");
          this.info = decodeStreamInfo(c.value);
          return;
        case ReservedName.end:
          this.nextIsEnd = true;
          return;
        case ReservedName.libvirtSave:
          // Written around the stream (decide), not in it.
          return;
        case ReservedName.vmdesc:
          if (c.kind !== "oldblob") throw new QberEncodeError("qemu:vmdesc must hold an oldblob");
          this.vmdescBytes = c.value;
          this.context.see(s);
          return;
        default:
          throw new QberEncodeError(`unknown reserved section ${JSON.stringify(s.name)}`);
      }
    }
    const id = Number(s.sectionId);
    this.sections++;
    if (c.kind === "ramblid") {
      w.sectionStart("start", id, s.name, Number(s.instanceId), Number(s.versionId));
      const extras = new Map((this.info.ramBlocks ?? []).map((b) => [b.name, b]));
      const blocks: RamBlock[] = c.value.blocks.map((b) => ({ name: b.name, length: Number(b.len), ...extras.get(b.name) }));
      w.bytes(
        writeRamRecords([{ kind: "mem-size", total: Number(c.value.totalram), blocks }, { kind: "eos" }], this.ram, {
          ignoreShared: blocks.some((b) => b.mrAddr !== undefined),
        }),
      );
      this.footer(id);
      return;
    }
    w.sectionStart("full", id, s.name, Number(s.instanceId), Number(s.versionId));
    w.bytes(this.context.encodeLegacy(s));
    this.footer(id);
  }

  private async ramIteration(s: StreamedSecMin): Promise<void> {
    const w = this.w;
    const id = Number(s.sectionId);
    w.sectionPart(this.nextIsEnd ? "end" : "part", id);
    this.nextIsEnd = false;
    const records: RamRecord[] = [];
    for await (const block of s.blocks) {
      for await (const batch of block.pages) {
        records.length = 0;
        this.records(batch, block.name, records);
        writeRamRecords(records, this.ram, {}, w.out.w);
        this.pages += batch.length;
        await w.flushIfFull();
      }
    }
    writeRamRecords([{ kind: "eos" }], this.ram, {}, w.out.w);
    this.footer(id);
    this.sections++;
  }

  /** Page records for a batch; CONTINUE follows QEMU's rule (same block as the last record). */
  private records(batch: PageBatch, block: string, out: RamRecord[]): void {
    for (let i = 0; i < batch.length; i++) {
      const code = batch.kindCode(i);
      const kind = KIND_NAMES[code];
      if (kind === undefined) throw new QberEncodeError(`a hook page (block ${block}) has no place in a QEMU stream outside RDMA`);
      const offset = batch.addrNumber(i);
      const continued = i > 0 || this.ram.lastBlock === block;
      if (kind === "zero") out.push({ kind, block, offset, continued, fill: 0 });
      else out.push({ kind, block, offset, continued, data: batch.data(i) });
    }
  }
}

/** Converts a qber BER file into a QEMU migration stream (file version 3). */
export function exportQemuStream(source: ByteSource, sink: ByteSink, options: ExportOptions = {}): Promise<ExportSummary> {
  return new Exporter(sink, options).run(source);
}
