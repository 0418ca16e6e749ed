/**
 * Resolving element counts and byte sizes. A counted field refers to an
 * earlier field of the same object; inside a subsection the object that
 * carries the subsection is searched too (QEMU gives both the same struct).
 */
import type { Extent, VmStateObject } from "./annotation.js";

/** Objects searched for a referenced field, innermost first. */
export type Scope = readonly VmStateObject[];

export class ExtentError extends Error {}

export function resolveExtent(extent: Extent | undefined, scope: Scope): number {
  if (typeof extent === "number") return extent;
  // A description derived from a damaged vmdesc may lack a size altogether.
  if (typeof extent !== "object" || extent === null || typeof extent.from !== "string") throw new ExtentError("a field without a size or count");
  let raw: unknown;
  for (const obj of scope) {
    if (Object.prototype.hasOwnProperty.call(obj, extent.from)) {
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
