/**
 * The codecs' view of a description: each vmsd schema compiled once (and
 * cached) into its fields, in order, with everything the wire and vmdesc
 * need resolved (QEMU names with their `[k]` suffixes, compression, element
 * kinds) and its subsections.
 */
import type { TObject, TSchema } from "typebox";
import {
  annotationOf,
  type BoolAnnotation,
  type BytesAnnotation,
  type Extent,
  type FieldExists,
  type IntAnnotation,
  type StructAnnotation,
  type SubsectionNeeded,
  type VmsdInfo,
} from "./annotation.js";

export type StructModel = StructAnnotation & { readonly model: VmsdModel };
export type ElementModel = IntAnnotation | BoolAnnotation | BytesAnnotation | StructModel;

export interface FieldModel {
  /** Property key in the state object. */
  readonly key: string;
  /** QEMU's declared name. */
  readonly name: string;
  /** The name vmdesc shows: `name[k]` when the vmsd declares `name` more than once. */
  readonly vmdescName: string;
  readonly since: number;
  readonly exists: FieldExists | undefined;
  /** vmdesc lists the array compressed (`array_len`) rather than by `index`. */
  readonly compress: boolean;
  /** Element count; undefined for a single element. */
  readonly count: Extent | undefined;
  /** The integer field of the same vmsd that `count` comes from, with its bounds (to name them when the count is wrong). */
  readonly countField: IntAnnotation | undefined;
  readonly element: ElementModel;
  /** Per-element descriptions (tuples); `element` is then the first. */
  readonly elements: readonly ElementModel[] | undefined;
}

export interface SubsectionModel {
  readonly key: string;
  readonly needed: SubsectionNeeded | undefined;
  readonly model: VmsdModel;
}

export interface VmsdModel {
  readonly info: VmsdInfo;
  readonly fields: readonly FieldModel[];
  readonly subsections: readonly SubsectionModel[];
}

const cache = new WeakMap<TSchema, VmsdModel>();

function fail(message: string): never {
  throw new TypeError(`vmstate description: ${message}`);
}

function compileElement(schema: TSchema, where: string): ElementModel {
  const a = annotationOf(schema);
  if (a === undefined) fail(`${where} has no x-vmstate annotation`);
  switch (a.kind) {
    case "int":
    case "bool":
    case "bytes":
      return a;
    case "struct":
      return { ...a, model: compileVmsd(schema as TObject) };
    case "vmsd":
      // A bare vmsd used as a field is a plain nested struct.
      return { kind: "struct", vmsd: a.vmsd, embed: "struct", model: compileVmsd(schema as TObject) };
    default:
      return fail(`${where}: a ${a.kind} cannot be an array element`);
  }
}

/** QEMU's rule for listing an array compressed in vmdesc (see legacy-format §8). */
function qemuCanCompress(exists: FieldExists | undefined, element: ElementModel): boolean {
  if (exists !== undefined) return false;
  if (element.kind !== "struct" || element.embed !== "struct") return true;
  return element.model.subsections.length === 0 && element.model.fields.every((f) => qemuCanCompress(f.exists, f.element));
}

/** Compiles (once) a vmsd schema into the codecs' model. */
export function compileVmsd(schema: TObject): VmsdModel {
  const cached = cache.get(schema);
  if (cached !== undefined) return cached;
  const a = annotationOf(schema);
  if (a === undefined || !("vmsd" in a)) fail("expected a vmsd object (use vmsd(), struct(), tmp() or subsection())");
  const info = a.vmsd;
  const entries = Object.entries(schema.properties as Record<string, TSchema>);
  const declared = entries.filter(([, s]) => annotationOf(s)?.kind !== "subsection");
  const nameOf = (key: string, s: TSchema): string => annotationOf(s)?.field?.name ?? key;
  const names = declared.map(([k, s]) => nameOf(k, s));
  const fields: FieldModel[] = [];
  const subsections: SubsectionModel[] = [];
  for (const [key, s] of entries) {
    const ann = annotationOf(s);
    const where = `${info.name}.${key}`;
    if (ann === undefined) fail(`${where} has no x-vmstate annotation`);
    if (ann.kind === "subsection") {
      subsections.push({ key, needed: ann.needed, model: compileVmsd(s as TObject) });
      continue;
    }
    if (subsections.length > 0) fail(`${where}: fields must come before subsections`);
    const meta = ann.field ?? {};
    const name = nameOf(key, s);
    const position = fields.length;
    const same = names.filter((n) => n === name).length;
    const k = names.slice(0, position).filter((n) => n === name).length;
    let count: Extent | undefined;
    let element: ElementModel;
    let elements: ElementModel[] | undefined;
    if (ann.kind === "array") {
      count = ann.count;
      const items = (s as { items?: TSchema | TSchema[] }).items;
      if (Array.isArray(items)) {
        elements = items.map((it, i) => compileElement(it, `${where}[${i}]`));
        if (elements.length === 0) fail(`${where}: empty tuple`);
        element = elements[0] as ElementModel;
      } else if (items !== undefined) {
        element = compileElement(items, `${where}[]`);
      } else {
        return fail(`${where}: array without items`);
      }
    } else {
      element = compileElement(s, where);
    }
    const countKey = typeof count === "object" ? count.from : undefined;
    const from = fields.find((x) => x.key === countKey && x.count === undefined);
    fields.push({
      key,
      name,
      vmdescName: same > 1 ? `${name}[${k}]` : name,
      since: meta.since ?? 0,
      exists: meta.exists,
      compress: meta.compress ?? (elements === undefined && qemuCanCompress(meta.exists, element)),
      count,
      countField: from?.element.kind === "int" ? from.element : undefined,
      element,
      elements,
    });
  }
  const model: VmsdModel = { info, fields, subsections };
  cache.set(schema, model);
  return model;
}
