/**
 * TypeScript shapes of the values in qber's ASN.1 module
 * (`asn1/qemu-migration.asn1`). Every INTEGER is a `bigint`, so no value of
 * any width loses precision; CHOICEs are objects with a `kind` discriminant
 * named after the ASN.1 alternative.
 */

/** `QemuString ::= UTF8String (SIZE (1..255))`, 1 to 255 UTF-8 bytes. */
export type QemuString = string;

/** A page of zeros, sent by its offset: `compr [APPLICATION 0] INTEGER`. */
export interface ComprPage {
  readonly kind: "compr";
  readonly addr: bigint;
}

/** `FullPage ::= [APPLICATION 9040] SEQUENCE { addr, data (SIZE (4096)) }` */
export interface FullPage {
  readonly kind: "fullpage";
  readonly addr: bigint;
  readonly data: Uint8Array;
}

/** `XBZRLEPage ::= [APPLICATION 11330] SEQUENCE { addr, data }` */
export interface XbzrlePage {
  readonly kind: "xbzrle";
  readonly addr: bigint;
  readonly data: Uint8Array;
}

/** `hook [APPLICATION 9295] NULL` */
export interface HookPage {
  readonly kind: "hook";
}

/** `RAMPage ::= CHOICE { compr, fullpage, xbzrle, hook }` */
export type RamPage = ComprPage | FullPage | XbzrlePage | HookPage;

/** `RAMSecBlock ::= SEQUENCE { name, pagelist SEQUENCE OF RAMPage }` */
export interface RamSecBlock {
  readonly name: QemuString;
  readonly pages: readonly RamPage[];
}

/** `RAMBlockID ::= SEQUENCE { name, len }` */
export interface RamBlockId {
  readonly name: QemuString;
  readonly len: bigint;
}

/** `RAMBlockList ::= [APPLICATION 8018] SEQUENCE { totalram, blocks }` */
export interface RamBlockList {
  readonly totalram: bigint;
  readonly blocks: readonly RamBlockId[];
}

/** `SubSection ::= [APPLICATION 10707] SEQUENCE { name, versionid, contents }` */
export interface SubSection {
  readonly name: QemuString;
  readonly versionId: bigint;
  readonly contents: readonly VmStateEntry[];
}

/** `VMStateEntries ::= CHOICE { array, bool, int, oldblob, subsecl }` */
export type VmStateEntry =
  | { readonly kind: "array"; readonly value: readonly VmStateEntry[] }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "int"; readonly value: bigint }
  | { readonly kind: "oldblob"; readonly value: Uint8Array }
  | { readonly kind: "subsecl"; readonly value: readonly SubSection[] };

/** The `contents` CHOICE of SecFull. `vmstate` is `VMState.vmstateentries`. */
export type SecFullContents =
  | { readonly kind: "ramblid"; readonly value: RamBlockList }
  | { readonly kind: "vmstate"; readonly value: readonly VmStateEntry[] }
  | { readonly kind: "oldblob"; readonly value: Uint8Array };

/** `SecFull ::= [APPLICATION 2003] SEQUENCE { name, sectionid, instanceid, versionid, contents, endmark }` */
export interface SecFull {
  readonly kind: "full";
  readonly name: QemuString;
  readonly sectionId: bigint;
  readonly instanceId: bigint;
  readonly versionId: bigint;
  readonly contents: SecFullContents;
}

/** The `contents` CHOICE of SecMin: `ramsec [APPLICATION 9810] SEQUENCE OF RAMSecBlock`. */
export interface SecMinContents {
  readonly kind: "ramsec";
  readonly value: readonly RamSecBlock[];
}

/** `SecMin ::= [APPLICATION 211] SEQUENCE { sectionid, contents, endmark }` */
export interface SecMin {
  readonly kind: "min";
  readonly sectionId: bigint;
  readonly contents: SecMinContents;
}

/** `Sections ::= CHOICE { full SecFull, min SecMin }` */
export type Section = SecFull | SecMin;

/** `QemuFile ::= [APPLICATION 1270481] SEQUENCE { version INTEGER (3), top SEQUENCE OF Sections }` */
export interface QemuFile {
  readonly version: bigint;
  readonly top: readonly Section[];
}

/** The schema's types by their ASN.1 names, for the value-level codec. */
export interface SchemaTypes {
  QemuString: QemuString;
  FullPage: Omit<FullPage, "kind">;
  XBZRLEPage: Omit<XbzrlePage, "kind">;
  RAMBlockID: RamBlockId;
  RAMBlockList: RamBlockList;
  RAMPage: RamPage;
  RAMSecBlock: RamSecBlock;
  SubSection: SubSection;
  SubSecList: readonly SubSection[];
  VMStateEntries: VmStateEntry;
  VMState: readonly VmStateEntry[];
  SectionID: bigint;
  SecEndMark: null;
  SecFull: SecFull;
  SecMin: SecMin;
  Sections: Section;
  QemuFile: QemuFile;
}

export type SchemaTypeName = keyof SchemaTypes;
