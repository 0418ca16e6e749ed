/**
 * Vocabulary: arrays of non-byte elements (ints, bools, structs). Arrays of
 * uint8 are byte buffers instead (`u8Array` in buffers.ts).
 */
import Type, { type TArray, type TSchema, type TTuple } from "typebox";
import { VMSTATE_KEYWORD, type Extent } from "./annotation.js";

/**
 * VMSTATE_*_ARRAY (fixed `count`) and VMSTATE_VARRAY_* (`count` names an
 * earlier field of the same object, optionally multiplied).
 */
export function array<T extends TSchema>(element: T, count: Extent, options: { readonly description?: string } = {}): TArray<T> {
  const fixed = typeof count === "number" ? { minItems: count, maxItems: count } : {};
  return Type.Array(element, { ...fixed, ...options, [VMSTATE_KEYWORD]: { kind: "array", count } });
}

/**
 * A fixed array whose elements are described one by one. Descriptions made
 * from a vmdesc need it where QEMU's elements differ (a field present in one
 * struct element and not in the next, a subsection sent for one drive only).
 */
export function tuple<T extends TSchema[]>(elements: [...T], options: { readonly description?: string } = {}): TTuple<T> {
  return Type.Tuple(elements, {
    maxItems: elements.length,
    ...options,
    [VMSTATE_KEYWORD]: { kind: "array", count: elements.length },
  });
}
