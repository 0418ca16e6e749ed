/**
 * Vocabulary: VMStateDescriptions. A vmsd is a TypeBox object whose
 * properties are its fields in declaration order, followed by its
 * subsections (optional properties holding the subsection's own object).
 * Nested structs, `tmp` and `vstruct` fields embed another vmsd.
 */
import Type, { type TObject, type TOptional, type TProperties } from "typebox";
import { VMSTATE_KEYWORD, annotationOf, withAnnotation, type StructEmbed, type SubsectionNeeded, type VmsdInfo } from "./annotation.js";

export interface VmsdOptions {
  /** The vmsd name (a device section's idstr ends with it). */
  readonly name: string;
  /** QEMU's `version_id`: what is written, and the newest that loads. */
  readonly version: number;
  /** QEMU's `minimum_version_id`; defaults to `version`. */
  readonly minVersion?: number;
  readonly description?: string;
}

/** A vmsd: fields (and subsections, last) in QEMU's declaration order. */
export function vmsd<P extends TProperties>(options: VmsdOptions, properties: P): TObject<P> {
  const info: VmsdInfo = { name: options.name, version: options.version, minVersion: options.minVersion ?? options.version };
  return Type.Object(properties, {
    additionalProperties: false,
    ...(options.description === undefined ? {} : { description: options.description }),
    [VMSTATE_KEYWORD]: { kind: "vmsd", vmsd: info },
  });
}

/** The identity of a vmsd schema; throws when the schema is not one. */
export function vmsdInfo(schema: TObject): VmsdInfo {
  const a = annotationOf(schema);
  if (a === undefined || !("vmsd" in a)) throw new TypeError("not a vmsd description (missing x-vmstate vmsd annotation)");
  return a.vmsd;
}

function embed<P extends TProperties>(description: TObject<P>, kind: StructEmbed, extra: { structVersion?: number; pointer?: boolean }): TObject<P> {
  return withAnnotation(description, { kind: "struct", vmsd: vmsdInfo(description), embed: kind, ...extra });
}

/** VMSTATE_STRUCT (and VMSTATE_STRUCT_POINTER with `pointer`): a nested vmsd at its own version. */
export function struct<P extends TProperties>(description: TObject<P>, options: { readonly pointer?: boolean } = {}): TObject<P> {
  return embed(description, "struct", options.pointer ? { pointer: true } : {});
}

/** VMSTATE_VSTRUCT: a nested vmsd saved and loaded at `structVersion`. */
export function vstruct<P extends TProperties>(description: TObject<P>, structVersion: number): TObject<P> {
  return embed(description, "vstruct", { structVersion });
}

/**
 * VMSTATE_WITH_TMP: fields QEMU computes into a temporary struct before
 * saving. On the wire they are the nested vmsd's fields; qber keeps them as
 * a nested object (the device model computes them).
 */
export function tmp<P extends TProperties>(description: TObject<P>): TObject<P> {
  return embed(description, "tmp", {});
}

/**
 * A subsection: written after the parent's fields as 0x05, counted name,
 * be32 version, then its own fields and subsections. In a state it is
 * present exactly when it was (or is to be) sent; `needed` is QEMU's test,
 * reported by `neededMismatches` when it disagrees.
 */
export function subsection<P extends TProperties>(description: TObject<P>, options: { readonly needed?: SubsectionNeeded } = {}): TOptional<TObject<P>> {
  const info = vmsdInfo(description);
  return Type.Optional(withAnnotation(description, { kind: "subsection", vmsd: info, ...(options.needed ? { needed: options.needed } : {}) }));
}
