/**
 * The type of a field named by a diff path (`regs[3]`, `segs[1].base`,
 * `["a b"]`), looked up in the description the section was decoded with:
 * what `qber diff` needs to print a value the way people read it (registers
 * in hex, byte strings by how many bytes differ).
 */
import type { TObject } from "typebox";
import { type ElementModel, type VmsdModel, compileVmsd } from "@qber/vmstate";

/** A leaf's type: an integer (with its width, sign and vmdesc type), a boolean or a byte string. */
export type FieldType = Exclude<ElementModel, { kind: "struct" }>;

// A path step: `.key` (or a leading key), `[3]`, or `["quoted key"]`.
const STEP = /(?:^|\.)([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;

function steps(path: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  STEP.lastIndex = 0;
  while (STEP.lastIndex < path.length) {
    const m = STEP.exec(path);
    if (m === null) return undefined;
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]!) as string)));
  }
  return out;
}

/** The type of the leaf at `path` in a state of `description`; undefined when the path names no leaf of it. */
export function fieldTypeAt(description: TObject, path: string): FieldType | undefined {
  const at = steps(path);
  if (at === undefined || at.length === 0) return undefined;
  let model: VmsdModel = compileVmsd(description);
  let element: ElementModel | undefined;
  for (let i = 0; i < at.length; i++) {
    const step = at[i]!;
    if (typeof step !== "string") return undefined;
    const field = model.fields.find((f) => f.key === step);
    if (field === undefined) {
      const sub = model.subsections.find((s) => s.key === step);
      if (sub === undefined) return undefined;
      model = sub.model;
      element = undefined;
      continue;
    }
    element = field.element;
    // An array (other than a byte string, which is one hex string) is indexed next.
    if (field.count !== undefined && !(element.kind === "bytes" && element.elements)) {
      const index = at[i + 1];
      if (typeof index !== "number") return undefined;
      element = field.elements?.[index] ?? element;
      i++;
    }
    if (element.kind === "struct") model = element.model;
    else if (i !== at.length - 1) return undefined;
  }
  return element === undefined || element.kind === "struct" ? undefined : element;
}
