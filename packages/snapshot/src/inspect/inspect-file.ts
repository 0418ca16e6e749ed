/**
 * Inspection of a qber file: every section with what kind it is and how its
 * contents were decoded, a RAM summary per block, and (on request) each
 * device's fields by name. The `qber inspect --json` document is this value.
 */
import {
  type ByteSource,
  type DecodeLimits,
  KIND_COMPR,
  KIND_FULL,
  KIND_HOOK,
  type Registry,
  type SecFull,
  emptyRegistry,
  readSections,
} from "@qber/core";
import { type Vmdesc, describeFromVmdesc, entriesToState, parseVmdesc, stateToJson } from "@qber/vmstate";
import { RESERVED_SECTION_ID, type ReservedKind, reservedKind } from "@qber/core";
import { jsonNumber, toJsonForm } from "../json-values.js";
import { type GuestPhysical, GuestMapReader } from "../dump/guest-map-reader.js";

export type SectionKind = "ram-setup" | "ram" | "device" | ReservedKind;
export type DecodedByName = "plugin" | "vmdesc" | "blob";

export interface InspectedSection {
  /** Section id; a decimal string if beyond 2^53. */
  readonly id: number | string;
  /** Section name (QEMU idstr); null for RAM iteration sections, which carry only an id. */
  readonly name: string | null;
  readonly instance: number | string | null;
  readonly version: number | string | null;
  readonly kind: SectionKind;
  /** Bytes of the section in the file. */
  readonly bytes: number;
  readonly offset: number;
  /** How the device contents were decoded; null for RAM and reserved sections. */
  readonly decodedBy: DecodedByName | null;
  /** Plugin id, when decodedBy is "plugin". */
  readonly plugin?: string;
  /** Device fields by name (JSON form), with `fields: true`. */
  readonly fields?: unknown;
}

export interface InspectedRamBlock {
  readonly name: string;
  readonly pages: number;
  readonly zero: number;
  readonly full: number;
  readonly xbzrle: number;
  readonly hook: number;
}

export interface InspectReport {
  /** Version of this document's shape. */
  readonly schemaVersion: 1;
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
  readonly registry?: Registry;
  /** Include each device's fields. */
  readonly fields?: boolean;
  readonly limits?: Partial<DecodeLimits>;
  readonly onProgress?: (offset: number) => void;
}



export async function inspectFile(source: ByteSource, options: InspectOptions = {}): Promise<InspectReport> {
  const registry = options.registry ?? emptyRegistry;
  const sections: InspectedSection[] = [];
  const ram = new Map<string, { pages: number; zero: number; full: number; xbzrle: number; hook: number }>();
  let vmdesc: Vmdesc | undefined;
  let deviceIndex = 0;
  const mins: { index: number; section: { readonly length: number | undefined } }[] = [];
  const guest = new GuestMapReader();

  for await (const s of readSections(source, registry, options.limits ? { limits: options.limits } : {})) {
    options.onProgress?.(s.offset);
    if (s.kind === "min") {
      mins.push({ index: sections.length, section: s });
      sections.push({ id: jsonNumber(s.sectionId), name: null, instance: null, version: null, kind: "ram", bytes: 0, offset: s.offset, decodedBy: null });
      for await (const block of s.blocks) {
        const sum = ram.get(block.name) ?? { pages: 0, zero: 0, full: 0, xbzrle: 0, hook: 0 };
        ram.set(block.name, sum);
        for await (const batch of block.pages) {
          sum.pages += batch.length;
          for (let i = 0; i < batch.length; i++) {
            const k = batch.kindCode(i);
            if (k === KIND_COMPR) sum.zero++;
            else if (k === KIND_FULL) sum.full++;
            else if (k === KIND_HOOK) sum.hook++;
            else sum.xbzrle++;
          }
        }
      }
      continue;
    }
    const sec = s.section;
    guest.add(s);
    const base = { id: jsonNumber(sec.sectionId), name: sec.name, instance: jsonNumber(sec.instanceId), version: jsonNumber(sec.versionId), bytes: s.length, offset: s.offset };
    const reserved = sec.sectionId === RESERVED_SECTION_ID ? reservedKind(sec.name) : undefined;
    if (reserved !== undefined) {
      if (reserved === "vmdesc" && sec.contents.kind === "oldblob") vmdesc = parseVmdesc(sec.contents.value);
      sections.push({ ...base, kind: reserved, decodedBy: null });
      continue;
    }
    if (sec.contents.kind === "ramblid") {
      sections.push({ ...base, kind: "ram-setup", decodedBy: null });
      continue;
    }
    const entry = vmdesc?.devices[deviceIndex++];
    const matched = entry !== undefined && entry.name === sec.name && BigInt(entry.instance_id) === sec.instanceId ? entry : undefined;
    if (s.plugin) {
      sections.push({ ...base, kind: "device", decodedBy: "plugin", plugin: s.plugin.id, ...(options.fields ? { fields: toJsonForm(s.value) } : {}) });
    } else if (matched && sec.contents.kind === "vmstate") {
      sections.push({ ...base, kind: "device", decodedBy: "vmdesc", ...(options.fields ? { fields: vmdescFields(sec, matched) } : {}) });
    } else {
      sections.push({ ...base, kind: "device", decodedBy: "blob" });
    }
  }
  // A RAM section's size is known once it has been read through.
  for (const m of mins) sections[m.index] = { ...sections[m.index]!, bytes: m.section.length ?? 0 };
  return {
    schemaVersion: 1,
    format: "qber-ber",
    sections,
    ram: [...ram].map(([name, s]) => ({ name, ...s })),
    guestPhysical: guest.result(),
  };
}

function vmdescFields(sec: SecFull, entry: NonNullable<Vmdesc["devices"][number]>): unknown {
  const description = describeFromVmdesc(entry);
  if (sec.contents.kind !== "vmstate") return null;
  return stateToJson(description, entriesToState(description, sec.contents.value, { version: Number(sec.versionId) }));
}

