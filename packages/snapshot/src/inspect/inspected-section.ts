/**
 * A section as `qber inspect` lists it (and diff and report, which list the
 * sections of each snapshot the same way): identity, kind, size, and how a
 * device's contents were decoded.
 */
import type { SecFull } from "@qber/core";
import type { DecodedBy, DeviceDecoding, SectionKind } from "@qber/qemu/classify";
import { jsonNumber } from "../json-values.js";

export type DecodedByName = DecodedBy;

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
  /** Why the device's plugin (or its vmdesc entry) could not read it, when it could not. */
  readonly error?: string;
  /** Device fields by name (JSON form), with `fields: true`. */
  readonly fields?: unknown;
}

/** A RAM iteration section (its size is known once it has been read through). */
export function ramSection(sectionId: bigint, offset: number): InspectedSection {
  return { id: jsonNumber(sectionId), name: null, instance: null, version: null, kind: "ram", bytes: 0, offset, decodedBy: null };
}

/** A SecFull of the given kind; devices with how they were decoded. */
export function fullSection(sec: SecFull, kind: SectionKind, offset: number, bytes: number, decoding?: DeviceDecoding): InspectedSection {
  const base = { id: jsonNumber(sec.sectionId), name: sec.name, instance: jsonNumber(sec.instanceId), version: jsonNumber(sec.versionId), kind, bytes, offset };
  if (decoding === undefined) return { ...base, decodedBy: null };
  const error = decoding.by === "blob" ? decoding.error : decoding.by === "vmdesc" ? decoding.pluginError : undefined;
  return {
    ...base,
    decodedBy: decoding.by,
    ...(decoding.by === "plugin" ? { plugin: decoding.plugin.id } : {}),
    ...(error ? { error: `${error.field ? `${error.field}: ` : ""}${error.reason}` } : {}),
  };
}
