/**
 * The vmstate annotation: what a TypeBox schema says about QEMU's wire
 * layout. Every schema built by this package's vocabulary carries one under
 * the custom JSON Schema keyword `x-vmstate`; the codecs, the vmdesc writer
 * and the validator read nothing else. Plain JSON Schema tools ignore the
 * keyword (it is an annotation); ajv is taught it in `validation.ts`.
 */
import type { TSchema } from "typebox";

/** The custom JSON Schema keyword holding a schema's vmstate annotation. */
export const VMSTATE_KEYWORD = "x-vmstate";

/** A device or nested state object, as the codecs see it. */
export type VmStateObject = Readonly<Record<string, unknown>>;

/**
 * QEMU's `field_exists` test: decides from the object loaded so far (or being
 * saved) and the version whether a field is on the wire. Inside a subsection
 * `parent` is the object that carries the subsection (QEMU hands both the
 * same C struct).
 */
export type FieldExists = (state: VmStateObject, version: number, parent?: VmStateObject) => boolean;

/** QEMU's subsection `needed` test, asked of the object that carries it. */
export type SubsectionNeeded = (state: VmStateObject) => boolean;

/**
 * An element count or byte size: a constant, or the value of an earlier
 * field of the same object (QEMU's VARRAY / VBUFFER), optionally multiplied.
 * `unit: "bits"` turns a bit count into whole 64-bit words of bytes (bitmaps).
 */
export type Extent = number | { readonly from: string; readonly multiply?: number; readonly unit?: "bits" };

/** Facts about a field (a property of a vmsd object), not about its element type. */
export interface FieldMeta {
  /** QEMU's declared field name (vmdesc `name`); defaults to the property key. */
  readonly name?: string;
  /** Version gate: the field is on the wire from this version on (QEMU `_V` macros). */
  readonly since?: number;
  /** Field-exists predicate; when given it alone decides (as in QEMU). */
  readonly exists?: FieldExists;
  /**
   * Whether vmdesc lists an array compressed (`array_len`) or element by
   * element (`index`). Defaults to QEMU's own rule; descriptions made from a
   * vmdesc set it to what that vmdesc did.
   */
  readonly compress?: boolean;
}

/** Identity of a VMStateDescription. */
export interface VmsdInfo {
  readonly name: string;
  readonly version: number;
  readonly minVersion: number;
  /**
   * Set on descriptions of QEMU's old-style handlers (no vmsd): the body is
   * opaque and vmdesc describes it with a top-level `size`.
   */
  readonly oldStyle?: boolean;
}

export interface IntAnnotation {
  readonly kind: "int";
  readonly bits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
  /** vmdesc type string (`uint32`, `int32 le`, `timer`, `float64`, ...). */
  readonly type: string;
  /** `_EQUAL` variants: the loader requires exactly this value. */
  readonly equal?: bigint;
  /** `_LE` variants: the loader requires 0 <= value (<= `max` when known). */
  readonly le?: boolean;
  /** Bounds beyond QEMU's own, checked by validation (not by the codecs). */
  readonly minimum?: bigint;
  readonly maximum?: bigint;
  /** `_AS`-style fields: the C type the wire value is stored into (documentation). */
  readonly as?: string;
}

export interface BoolAnnotation {
  readonly kind: "bool";
  readonly type: string;
}

/** Bytes kept as one Uint8Array: buffers, unused space, bitmaps, uint8 arrays, opaque types. */
export interface BytesAnnotation {
  readonly kind: "bytes";
  readonly size: Extent;
  /** vmdesc type string. */
  readonly type: string;
  /**
   * True for uint8 arrays: QEMU sees `size` elements of one byte each (vmdesc
   * lists them as an array), false for a single buffer element.
   */
  readonly elements: boolean;
  /** Unused space (VMSTATE_UNUSED): QEMU writes zeros and ignores the bytes. */
  readonly unused?: boolean;
}

/** How a nested vmsd sits in its parent and in vmdesc. */
export type StructEmbed = "struct" | "vstruct" | "tmp";

export interface StructAnnotation {
  readonly kind: "struct";
  readonly vmsd: VmsdInfo;
  readonly embed: StructEmbed;
  /** VMSTATE_VSTRUCT: the version the nested vmsd is saved and loaded at. */
  readonly structVersion?: number;
  /** VMSTATE_STRUCT_POINTER and friends: no wire difference, recorded for readers. */
  readonly pointer?: boolean;
}

export interface ArrayAnnotation {
  readonly kind: "array";
  readonly count: Extent;
}

export interface VmsdAnnotation {
  readonly kind: "vmsd";
  readonly vmsd: VmsdInfo;
}

export interface SubsectionAnnotation {
  readonly kind: "subsection";
  readonly vmsd: VmsdInfo;
  readonly needed?: SubsectionNeeded;
}

export type ElementAnnotation = IntAnnotation | BoolAnnotation | BytesAnnotation | StructAnnotation;

export type VmAnnotation = (ElementAnnotation | ArrayAnnotation | VmsdAnnotation | SubsectionAnnotation) & {
  readonly field?: FieldMeta;
};

/** The annotation of a schema, if it has one. */
export function annotationOf(schema: TSchema): VmAnnotation | undefined {
  return (schema as Record<string, unknown>)[VMSTATE_KEYWORD] as VmAnnotation | undefined;
}

/**
 * A copy of `schema` with a new annotation. TypeBox keeps its own markers
 * (`~kind`, `~optional`) as non-enumerable properties, so the copy takes every
 * own property descriptor rather than spreading.
 */
export function withAnnotation<S extends TSchema>(schema: S, annotation: VmAnnotation): S {
  const copy = Object.create(Object.getPrototypeOf(schema), Object.getOwnPropertyDescriptors(schema)) as S;
  Object.defineProperty(copy, VMSTATE_KEYWORD, { value: annotation, enumerable: true, writable: true, configurable: true });
  return copy;
}
