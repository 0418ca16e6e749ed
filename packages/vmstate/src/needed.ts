/**
 * QEMU's `needed` tests against a state. The codecs send a subsection
 * exactly when the state holds it (that is what a decoded stream says);
 * this reports where a description's `needed` test disagrees, e.g. after a
 * state was edited.
 */
import type { SchemaPath } from "@qber/core";
import type { Static, TObject } from "typebox";
import type { VmStateObject } from "./annotation.js";
import { compileVmsd, type ElementModel, type VmsdModel } from "./model.js";

export interface NeededMismatch {
  /** Where the subsection is (or would be): the carrying object's path plus its key. */
  readonly path: SchemaPath;
  readonly subsection: string;
  /** What the `needed` test says. */
  readonly needed: boolean;
}

function walk(model: VmsdModel, state: unknown, path: SchemaPath, out: NeededMismatch[]): void {
  if (typeof state !== "object" || state === null) return;
  const obj = state as VmStateObject;
  const nested = (e: ElementModel, v: unknown, p: SchemaPath): void => {
    if (e.kind === "struct") walk(e.model, v, p, out);
  };
  for (const f of model.fields) {
    const v = obj[f.key];
    if (v === undefined) continue;
    if (f.count !== undefined && Array.isArray(v)) v.forEach((x, i) => nested(f.elements?.[i] ?? f.element, x, [...path, f.key, i]));
    else nested(f.element, v, [...path, f.key]);
  }
  for (const s of model.subsections) {
    const present = obj[s.key] !== undefined;
    if (s.needed !== undefined && s.needed(obj) !== present) out.push({ path: [...path, s.key], subsection: s.model.info.name, needed: !present });
    if (present) walk(s.model, obj[s.key], [...path, s.key], out);
  }
}

/** Subsections whose presence in `state` differs from their `needed` test. */
export function neededMismatches<S extends TObject>(description: S, state: Static<S>): readonly NeededMismatch[] {
  const model = compileVmsd(description);
  const out: NeededMismatch[] = [];
  walk(model, state, [model.info.name], out);
  return out;
}
