/**
 * One streaming pass over a qber file that keeps what `qber diff` and
 * `qber report` need, and no RAM: every section (as `qber inspect` lists
 * them), each device's fields in their JSON form, and per RAM block the
 * final state of every page as the file describes it (pages applied in
 * order, XBZRLE deltas included) reduced to its last kind (1 byte) and a
 * digest of its final contents (16 bytes: SHA-256, truncated) per 4 KiB page.
 * SHA-256 rather than MD5: a file from a compromised host could pair pages
 * whose MD5 collides and hide a difference, and with the CPU's SHA
 * instructions SHA-256 is also twice as fast.
 *
 * XBZRLE deltas apply to the page's earlier contents, so the contents of
 * pages last sent whole (or decoded from a delta) are kept in a cache with a
 * byte budget (`xbzrleCacheBytes`, least recently written dropped first);
 * a delta for a page whose contents were dropped is an error that names the
 * budget. Zero pages and pages never sent need no cache: they are zeros.
 */
import { hash } from "node:crypto";
import { type ByteSource, type DecodeLimits, KIND_COMPR, KIND_FULL, PAGE_SIZE, QberDecodeError, type Registry, emptyRegistry, readSections } from "@qber/core";
import { defaultRegistry } from "@qber/devices";
import { type SectionKind, SnapshotContext } from "@qber/qemu/classify";
import { type RamBlockInfo, type RamBlockSink, RamReconstructor } from "@qber/ram";
import { type DecodedByName, type InspectedSection, fullSection, ramSection } from "../inspect/inspected-section.js";
import { deviceFields, jsonNumber, toJsonForm } from "../json-values.js";
import type { TObject } from "typebox";
import { ContentCache } from "./content-cache.js";
import { type GuestPhysical, GuestMapReader } from "../dump/guest-map-reader.js";

export { PAGE_SIZE };

/** Last kind of a page, as kept in `RamBlockSummary.kinds`. */
export const PAGE_NEVER = 0;
export const PAGE_ZERO = 1;
export const PAGE_FULL = 2;
export const PAGE_XBZRLE = 3;
export const PAGE_KIND_NAMES = ["never", "zero", "full", "xbzrle"] as const;
export type PageKindName = (typeof PAGE_KIND_NAMES)[number];

/** The digest of a page's final contents: SHA-256, its first 16 bytes. */
function digest(page: Uint8Array): Uint8Array {
  return hash("sha256", page, "buffer").subarray(0, 16);
}

/** Digest of a page of zeros: the final contents of zero pages and pages never sent. */
export const ZERO_PAGE_DIGEST: Uint8Array = digest(new Uint8Array(PAGE_SIZE));

/** A section whose contents are compared field by field (devices, and configuration, stream info, RAM setup). */
export interface SectionState {
  readonly name: string;
  readonly instance: number | string;
  readonly version: number | string;
  readonly kind: SectionKind;
  readonly decodedBy: DecodedByName | null;
  readonly plugin?: string;
  /** The contents in JSON form: fields by name when decoded, else the raw entries (bigints as decimal strings, bytes as hex). */
  readonly fields: unknown;
  /** The description the fields were decoded with (the plugin's, or one derived from the file's vmdesc): their types. */
  readonly description?: TObject;
}

export interface RamBlockSummary {
  readonly name: string;
  /** Length in bytes from the RAM setup section; undefined when the file has none for this block. */
  readonly length: number | undefined;
  /** Pages in the block: length / 4096, or one past the highest page sent when the length is unknown. */
  readonly pages: number;
  /** Last kind per page index (PAGE_NEVER, PAGE_ZERO, PAGE_FULL, PAGE_XBZRLE); `pages` entries. */
  readonly kinds: Uint8Array;
  /** Digest (SHA-256, first 16 bytes) of each page's final contents, 16 bytes per page index; meaningful for PAGE_FULL and PAGE_XBZRLE pages only. */
  readonly digests: Uint8Array;
  /** Page records in the file, by kind (a page sent twice counts twice). */
  readonly records: { readonly zero: number; readonly full: number; readonly xbzrle: number; readonly hook: number };
}

export interface SnapshotSummary {
  readonly sections: readonly InspectedSection[];
  /** Sections compared by `qber diff`, in file order. */
  readonly states: readonly SectionState[];
  readonly ram: readonly RamBlockSummary[];
  /** Where the guest sees each RAM block (see @qber/snapshot/dump), or why that is not known. */
  readonly guestPhysical: GuestPhysical;
  /** Bytes read. */
  readonly bytes: number;
}

export interface SummarizeOptions {
  /** Device plugins (default: defaultRegistry of @qber/devices). */
  readonly registry?: Registry;
  /** Most bytes of page contents kept to apply XBZRLE deltas (default 256 MiB). */
  readonly xbzrleCacheBytes?: number;
  readonly limits?: Partial<DecodeLimits>;
  readonly onProgress?: (offset: number) => void;
}

export const DEFAULT_XBZRLE_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * A block's summary as a RAM sink: the page applier tells it each page's
 * kind and final contents, of which it keeps the digest; contents are kept
 * in the shared cache only as bases for later XBZRLE deltas.
 */
class DigestSink implements RamBlockSink {
  readonly kinds: Uint8Array;
  readonly digests: Uint8Array;

  constructor(
    readonly block: RamBlockInfo,
    private readonly index: number,
    private readonly cache: ContentCache,
    private readonly budget: number,
  ) {
    const pages = block.length / PAGE_SIZE;
    this.kinds = new Uint8Array(pages);
    this.digests = new Uint8Array(pages * 16);
  }

  received(offset: number, kind: number): void {
    const page = offset / PAGE_SIZE;
    this.kinds[page] = kind === KIND_COMPR ? PAGE_ZERO : kind === KIND_FULL ? PAGE_FULL : PAGE_XBZRLE;
    this.digests.set(ZERO_PAGE_DIGEST, page * 16);
  }

  write(offset: number, data: Uint8Array): void {
    for (let at = 0; at < data.length; at += PAGE_SIZE) {
      const page = (offset + at) / PAGE_SIZE;
      const contents = data.subarray(at, at + PAGE_SIZE);
      this.digests.set(digest(contents), page * 16);
      this.cache.keep(ContentCache.key(this.index, page), contents);
    }
  }

  zero(offset: number, length: number): void {
    for (let at = 0; at < length; at += PAGE_SIZE) this.cache.forget(ContentCache.key(this.index, (offset + at) / PAGE_SIZE));
  }

  read(offset: number, into: Uint8Array): void {
    const key = ContentCache.key(this.index, offset / PAGE_SIZE);
    const kept = this.cache.get(key);
    if (kept !== undefined) {
      into.set(kept);
      return;
    }
    throw new QberDecodeError(
      this.cache.wasDropped(key)
        ? `RAM block ${this.block.name}: the XBZRLE page at ${hex(offset)} applies to contents dropped to keep within the XBZRLE cache of ${this.budget} bytes; use a larger cache`
        : `RAM block ${this.block.name}: the XBZRLE page at ${hex(offset)} has no earlier contents to apply to`,
      {},
    );
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** Reads a qber BER file through once and summarizes it (see the module comment). */
export async function summarizeSnapshot(source: ByteSource, options: SummarizeOptions = {}): Promise<SnapshotSummary> {
  const context = new SnapshotContext(options.registry ?? defaultRegistry);
  const budget = options.xbzrleCacheBytes ?? DEFAULT_XBZRLE_CACHE_BYTES;
  const cache = new ContentCache(budget);
  const sinks: DigestSink[] = [];
  const ram = new RamReconstructor((block) => {
    const sink = new DigestSink(block, sinks.length, cache, budget);
    sinks.push(sink);
    return sink;
  });
  const sections: InspectedSection[] = [];
  const states: SectionState[] = [];
  const mins: { index: number; section: { readonly length: number | undefined } }[] = [];
  let end = 0;
  let index = 0;
  const guest = new GuestMapReader();

  for await (const s of readSections(source, emptyRegistry, options.limits ? { limits: options.limits } : {})) {
    options.onProgress?.(s.offset);
    if (s.kind === "min") {
      mins.push({ index: sections.length, section: s });
      sections.push(ramSection(s.sectionId, s.offset));
    } else {
      end = s.offset + s.length;
      const sec = s.section;
      const identity = { name: sec.name, instance: jsonNumber(sec.instanceId), version: jsonNumber(sec.versionId) };
      const kind = context.see(sec);
      if (kind === "device") {
        const d = context.decode(sec);
        guest.add(sec, d);
        const listed = fullSection(sec, kind, s.offset, s.length, d);
        sections.push(listed);
        const fields = deviceFields(d);
        const description = d.by === "blob" ? undefined : d.description;
        states.push({
          ...identity,
          kind,
          decodedBy: d.by,
          ...(listed.plugin ? { plugin: listed.plugin } : {}),
          fields: fields === undefined ? toJsonForm(sec.contents.value) : fields,
          ...(description ? { description } : {}),
        });
      } else {
        guest.add(sec);
        sections.push(fullSection(sec, kind, s.offset, s.length));
        if (kind === "configuration" || kind === "stream-info" || kind === "ram-setup") {
          const fields = kind === "stream-info" && sec.contents.kind === "oldblob" ? streamInfoJson(sec.contents.value) : toJsonForm(sec.contents.value);
          states.push({ ...identity, kind, decodedBy: null, fields });
        }
      }
    }
    await ram.applySection(s, index++);
  }
  for (const m of mins) {
    const length = m.section.length ?? 0;
    sections[m.index] = { ...sections[m.index]!, bytes: length };
    end = Math.max(end, sections[m.index]!.offset + length);
  }
  const { blocks } = await ram.finish();
  const summaries = blocks.map((b, i): RamBlockSummary => {
    const sink = sinks[i]!;
    return {
      name: b.name,
      length: b.length,
      pages: sink.kinds.length,
      kinds: sink.kinds,
      digests: sink.digests,
      records: { zero: b.stats.compr, full: b.stats.fullpage, xbzrle: b.stats.xbzrle, hook: b.stats.hook },
    };
  });
  return { sections, states, ram: summaries, guestPhysical: guest.result(context.machineType), bytes: end };
}

function streamInfoJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    return Buffer.from(bytes).toString("hex");
  }
}

/** Digest of page `i`'s final contents (the zero-page digest for pages never sent or sent as zero pages). */
export function pageDigest(b: RamBlockSummary, i: number): Uint8Array {
  const k = b.kinds[i];
  return k === PAGE_FULL || k === PAGE_XBZRLE ? b.digests.subarray(i * 16, i * 16 + 16) : ZERO_PAGE_DIGEST;
}
