import type { SecFull, SecFullContents } from "./types.js";

/**
 * Legacy-stream content that has no slot in the schema travels in SecFull
 * sections with reserved names (docs/bridge.md lists each):
 *
 * - `configuration`: QEMU's configuration section (machine name,
 *   capabilities, uuid), as VMStateEntries of QEMU's `configuration` vmsd.
 * - `qemu:stream`: how the stream was framed, where nothing in the data says
 *   (an oldblob of JSON, see StreamInfo). Written before the RAM setup.
 * - `qemu:end`: marks the SecMin that follows as QEMU's END section (the
 *   final RAM iteration) rather than a PART; no contents.
 * - `qemu:vmdesc`: the JSON description QEMU appends after EOF, as an
 *   oldblob of its exact bytes. Written before the first device section so
 *   readers can decode devices as they stream; exported after EOF.
 *
 * None of these has a section id on the wire; they carry -1.
 */
import { QberDecodeError } from "./errors.js";
export const ReservedName = {
  configuration: "configuration",
  stream: "qemu:stream",
  end: "qemu:end",
  vmdesc: "qemu:vmdesc",
} as const;

/** Section id of the reserved sections: QEMU never uses a negative id. */
export const RESERVED_SECTION_ID = -1n;

/** The `qemu:stream` record: framing facts of the legacy stream. */
export interface StreamInfo {
  /** Sections end with footers (0x7e + id); false for pc-*-2.3 and older machines. */
  readonly footers: boolean;
  /** Extra RAM block-list fields sent with some capabilities, by block name. */
  readonly ramBlocks?: readonly { readonly name: string; readonly mrAddr?: number; readonly pageSize?: number }[];
}

export function encodeStreamInfo(info: StreamInfo): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(info));
}

export function decodeStreamInfo(bytes: Uint8Array): StreamInfo {
  let v: Partial<StreamInfo> | null;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes)) as Partial<StreamInfo> | null;
  } catch (e) {
    throw new QberDecodeError(`qemu:stream is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof v?.footers !== "boolean") throw new QberDecodeError("qemu:stream: `footers` is not a boolean", { expected: '{"footers": true or false}' });
  return { footers: v.footers, ...(v.ramBlocks ? { ramBlocks: v.ramBlocks } : {}) };
}

/** What a reserved section is, by name (undefined for any other name). */
export type ReservedKind = "configuration" | "stream-info" | "end-marker" | "vmdesc";

export function reservedKind(name: string): ReservedKind | undefined {
  switch (name) {
    case ReservedName.configuration:
      return "configuration";
    case ReservedName.stream:
      return "stream-info";
    case ReservedName.end:
      return "end-marker";
    case ReservedName.vmdesc:
      return "vmdesc";
    default:
      return undefined;
  }
}

/** A reserved section holding `contents`. */
export function reservedSection(name: string, contents: SecFullContents): SecFull {
  return { kind: "full", name, sectionId: RESERVED_SECTION_ID, instanceId: 0n, versionId: 0n, contents };
}

/** Whether a section is one of the reserved sections (id -1), whatever its name. */
export function isReservedSection(section: { readonly sectionId: bigint }): boolean {
  return section.sectionId === RESERVED_SECTION_ID;
}
