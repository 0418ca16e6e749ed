/**
 * Inspection of a qber file: every section with what kind it is and how its
 * contents were decoded, a RAM summary per block, and (on request) each
 * device's fields by name. The `qber inspect --json` document is this value.
 */
import { type ByteSource, type DecodeLimits, type Registry, emptyRegistry, readSections } from "@qber/core";
import { SnapshotContext } from "@qber/qemu/classify";
import { defaultRegistry } from "@qber/devices";
import { RamReconstructor, discardSinks } from "@qber/ram";
import { deviceFields } from "../json-values.js";
import { type InspectedSection, fullSection, ramSection } from "./inspected-section.js";
import { type GuestPhysical, GuestMapReader } from "../dump/guest-map-reader.js";

export interface InspectedRamBlock {
  readonly name: string;
  /** Bytes, from the RAM block list. */
  readonly length: number;
  /** Distinct pages received (a page sent several times counts once). */
  readonly pages: number;
  /** Page records by kind (a page sent twice counts twice). */
  readonly zero: number;
  readonly full: number;
  readonly xbzrle: number;
  readonly hook: number;
}

export interface InspectReport {
  /** Version of this document's shape. */
  readonly schemaVersion: 2;
  readonly format: "qber-ber";
  readonly sections: readonly InspectedSection[];
  readonly ram: readonly InspectedRamBlock[];
  /**
   * Where the guest sees each RAM block: the ranges `qber dump-memory` writes
   * (QEMU's default max-ram-below-4g assumed), or why they are not known.
   */
  readonly guestPhysical: GuestPhysical;
}

export interface InspectOptions {
  /** Device plugins (default: defaultRegistry of @qber/devices). */
  readonly registry?: Registry;
  /** Include each device's fields. */
  readonly fields?: boolean;
  readonly limits?: Partial<DecodeLimits>;
  readonly onProgress?: (offset: number) => void;
}

export async function inspectFile(source: ByteSource, options: InspectOptions = {}): Promise<InspectReport> {
  const context = new SnapshotContext(options.registry ?? defaultRegistry);
  const ram = new RamReconstructor(discardSinks);
  const sections: InspectedSection[] = [];
  const mins: { index: number; section: { readonly length: number | undefined } }[] = [];
  let index = 0;
  const guest = new GuestMapReader();
  for await (const s of readSections(source, emptyRegistry, options.limits ? { limits: options.limits } : {})) {
    options.onProgress?.(s.offset);
    if (s.kind === "min") {
      mins.push({ index: sections.length, section: s });
      sections.push(ramSection(s.sectionId, s.offset));
    } else {
      const kind = context.see(s.section);
      if (kind !== "device") {
        guest.add(s.section);
        sections.push(fullSection(s.section, kind, s.offset, s.length));
      } else {
        const d = context.decode(s.section);
        guest.add(s.section, d);
        const fields = options.fields ? deviceFields(d) : undefined;
        sections.push({ ...fullSection(s.section, kind, s.offset, s.length, d), ...(fields === undefined ? {} : { fields }) });
      }
    }
    await ram.applySection(s, index++);
  }
  // A RAM section's size is known once it has been read through.
  for (const m of mins) sections[m.index] = { ...sections[m.index]!, bytes: m.section.length ?? 0 };
  const { blocks } = await ram.finish();
  return {
    schemaVersion: 2,
    format: "qber-ber",
    sections,
    ram: blocks.map((b) => ({
      name: b.name,
      length: b.length,
      pages: b.pagesReceived,
      zero: b.stats.compr,
      full: b.stats.fullpage,
      xbzrle: b.stats.xbzrle,
      hook: b.stats.hook,
    })),
    guestPhysical: guest.result(context.machineType),
  };
}
