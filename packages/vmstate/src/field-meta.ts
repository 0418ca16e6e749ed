/**
 * Field-level facts that wrap any vocabulary schema: QEMU's field name,
 * version gates and field-exists tests. Gated fields are optional
 * properties: absent from a state when not sent, as they are from the wire.
 */
import Type, { type TOptional, type TSchema } from "typebox";
import { annotationOf, withAnnotation, type FieldExists, type FieldMeta } from "./annotation.js";

function withMeta<S extends TSchema>(schema: S, meta: FieldMeta): S {
  const a = annotationOf(schema);
  if (a === undefined) throw new TypeError("not a vmstate schema (missing x-vmstate annotation)");
  return withAnnotation(schema, { ...a, field: { ...a.field, ...meta } });
}

/** Sets QEMU's declared field name (vmdesc `name`) when it differs from the property key. */
export function named<S extends TSchema>(name: string, schema: S): S {
  return withMeta(schema, { name });
}

/** A field sent from `version` on (QEMU's `_V` macros). */
export function since<S extends TSchema>(version: number, schema: S): TOptional<S> {
  return Type.Optional(withMeta(schema, { since: version })) as TOptional<S>;
}

/** A field sent when `exists(state, version)` holds (QEMU's `_TEST` macros and field_exists). */
export function when<S extends TSchema>(exists: FieldExists, schema: S): TOptional<S> {
  return Type.Optional(withMeta(schema, { exists })) as TOptional<S>;
}

/** Overrides whether vmdesc lists an array compressed (`array_len`) or by `index`. */
export function compressed<S extends TSchema>(compress: boolean, schema: S): S {
  return withMeta(schema, { compress });
}
