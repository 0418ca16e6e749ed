/**
 * Resolving element counts and byte sizes. A counted field refers to an
 * earlier field of the same object; inside a subsection the object that
 * carries the subsection is searched too (QEMU gives both the same struct).
 */
import type { Extent, VmStateObject } from "./annotation.js";
import type { SchemaPath } from "@qber/core";
import type { FieldModel } from "./model.js";

/** Objects searched for a referenced field, innermost first. */
export type Scope = readonly VmStateObject[];

export class ExtentError extends Error {}

export function resolveExtent(extent: Extent | undefined, scope: Scope): number {
  if (typeof extent === "number") return extent;
  // A description derived from a damaged vmdesc may lack a size altogether.
  if (typeof extent !== "object" || extent === null || typeof extent.from !== "string") throw new ExtentError("a field without a size or count");
  let raw: unknown;
  for (const obj of scope) {
    if (Object.hasOwn(obj, extent.from)) {
      raw = obj[extent.from];
      break;
    }
  }
  if (typeof raw !== "number" && typeof raw !== "bigint") {
    throw new ExtentError(`the count/size field "${extent.from}" is not an integer in this object`);
  }
  let n = Number(raw);
  if (extent.unit === "bits") n = Math.ceil(n / 64) * 8;
  n *= extent.multiply ?? 1;
  if (!Number.isSafeInteger(n) || n < 0) throw new ExtentError(`the count/size from "${extent.from}" is ${n}`);
  return n;
}

/**
 * What to say when an array holds `have` entries where its count says `n`.
 * When the count comes from a field that breaks its own bound (hpet
 * `num_timers` 255 where 32 are allowed), that field is what is wrong, not
 * the array: the complaint names it and its bound, at its path.
 */
export function countMismatch(
  f: FieldModel,
  scope: Scope,
  have: number,
  n: number,
  path: SchemaPath,
): { readonly message: string; readonly path: SchemaPath; readonly expected?: string } {
  const plain = { message: `array has ${have} ${have === 1 ? "entry" : "entries"}`, path, expected: `${n}` };
  const bounds = f.countField;
  if (bounds === undefined || typeof f.count !== "object") return plain;
  const key = f.count.from;
  const raw = scope[0]?.[key];
  if (typeof raw !== "number" && typeof raw !== "bigint") return plain;
  const v = BigInt(raw);
  const broken =
    bounds.maximum !== undefined && v > bounds.maximum
      ? `more than the ${bounds.maximum} allowed`
      : bounds.minimum !== undefined && v < bounds.minimum
        ? `fewer than the ${bounds.minimum} required`
        : undefined;
  if (broken === undefined) return plain;
  return { message: `${key} is ${v}, ${broken} (and ${f.key} has ${have} ${have === 1 ? "entry" : "entries"})`, path: [...path.slice(0, -1), key] };
}
