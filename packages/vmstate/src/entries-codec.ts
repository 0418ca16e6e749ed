/**
 * Typed state <-> VMStateEntries (DESIGN §3). Entries carry no names: they
 * are the sent fields in declaration order, the description supplies the
 * rest. Ints become `int`, bools `bool`, byte buffers (uint8 arrays,
 * buffers, unused space, bitmaps, opaque infos) `oldblob`, other arrays and
 * nested structs `array`; the sent subsections are one `subsecl`, last.
 */
import { QberDecodeError, QberEncodeError, type SchemaPath, type SubSection, type VmStateEntry } from "@qber/core";
import type { Static, TObject } from "typebox";
import type { VmStateObject } from "./annotation.js";
import { ExtentError, countMismatch, resolveExtent, type Scope } from "./extent.js";
import { fieldPresent, structVersion } from "./legacy-codec.js";
import { compileVmsd, type ElementModel, type FieldModel, type VmsdModel } from "./model.js";
import { intRange } from "./scalars.js";

type Extent = Parameters<typeof resolveExtent>[0];

function versionCheck(model: VmsdModel, version: number, fail: (m: string, e: string) => never): void {
  const { version: max, minVersion, oldStyle } = model.info;
  if (!oldStyle && (version > max || version < minVersion)) fail(`${model.info.name}: version ${version} is not supported`, `version ${minVersion}..${max}`);
}

// ---------------------------------------------------------------- state -> entries

function encodeFail(message: string, path: SchemaPath, expected?: string): never {
  throw new QberEncodeError(message, { path, ...(expected === undefined ? {} : { expected }) });
}

function encExtent(e: Extent, scope: Scope, path: SchemaPath): number {
  try {
    return resolveExtent(e, scope);
  } catch (err) {
    if (err instanceof ExtentError) encodeFail(err.message, path);
    throw err;
  }
}

function blob(value: unknown, n: number, path: SchemaPath): VmStateEntry {
  if (!(value instanceof Uint8Array)) encodeFail("expected a Uint8Array", path);
  if (value.length !== n) encodeFail(`buffer has ${value.length} bytes`, path, `${n} bytes`);
  return { kind: "oldblob", value };
}

function elementEntry(e: ElementModel, value: unknown, scope: Scope, path: SchemaPath): VmStateEntry {
  switch (e.kind) {
    case "int": {
      let v: bigint;
      if (e.bits === 64) {
        if (typeof value !== "bigint") encodeFail(`expected a bigint for ${e.type}`, path);
        v = value;
      } else {
        if (typeof value !== "number" || !Number.isInteger(value)) encodeFail(`expected an integer for ${e.type}`, path);
        v = BigInt(value);
      }
      const { min, max } = intRange(e.bits, e.signed);
      if (v < min || v > max) encodeFail(`${v} does not fit ${e.type}`, path, `${min}..${max}`);
      return { kind: "int", value: v };
    }
    case "bool":
      if (typeof value !== "boolean") encodeFail("expected a boolean", path);
      return { kind: "bool", value };
    case "bytes":
      return blob(value, encExtent(e.size, scope, path), path);
    case "struct":
      return { kind: "array", value: vmsdEntries(e.model, value, structVersion(e), [], path) };
  }
}

function fieldEntry(f: FieldModel, value: unknown, scope: Scope, path: SchemaPath): VmStateEntry {
  const e = f.element;
  if (e.kind === "bytes" && e.elements) return blob(value, encExtent(f.count ?? e.size, scope, path), path);
  if (f.count === undefined) return elementEntry(e, value, scope, path);
  const n = encExtent(f.count, scope, path);
  if (!Array.isArray(value)) encodeFail(`expected an array of ${n}`, path);
  if (value.length !== n) {
    const c = countMismatch(f, scope, value.length, n, path);
    encodeFail(c.message, c.path, c.expected);
  }
  return { kind: "array", value: value.map((v, i) => elementEntry(f.elements?.[i] ?? e, v, scope, [...path, i])) };
}

function vmsdEntries(model: VmsdModel, state: unknown, version: number, parents: Scope, path: SchemaPath): VmStateEntry[] {
  versionCheck(model, version, (m, e) => encodeFail(m, path, e));
  if (typeof state !== "object" || state === null) encodeFail(`expected an object for ${model.info.name}`, path);
  const obj = state as VmStateObject;
  const scope: Scope = [obj, ...parents];
  const out: VmStateEntry[] = [];
  for (const f of model.fields) {
    if (!fieldPresent(f, obj, version, parents[0])) continue;
    const value = obj[f.key];
    if (value === undefined) encodeFail(`missing field ${f.key}`, [...path, f.key], "a value");
    out.push(fieldEntry(f, value, scope, [...path, f.key]));
  }
  const subs: SubSection[] = [];
  for (const s of model.subsections) {
    const value = obj[s.key];
    if (value === undefined) continue;
    const v = s.model.info.version;
    subs.push({ name: s.model.info.name, versionId: BigInt(v), contents: vmsdEntries(s.model, value, v, scope, [...path, s.key]) });
  }
  if (subs.length > 0) out.push({ kind: "subsecl", value: subs });
  return out;
}

/** A state as VMStateEntries (the `vmstate` contents of a BER SecFull). */
export function stateToEntries<S extends TObject>(description: S, state: Static<S>, options: { readonly version?: number } = {}): VmStateEntry[] {
  const model = compileVmsd(description);
  return vmsdEntries(model, state, options.version ?? model.info.version, [], [model.info.name]);
}

// ---------------------------------------------------------------- entries -> state

function decodeFail(message: string, path: SchemaPath, expected?: string): never {
  throw new QberDecodeError(message, { path, ...(expected === undefined ? {} : { expected }) });
}

function decExtent(e: Extent, scope: Scope, path: SchemaPath): number {
  try {
    return resolveExtent(e, scope);
  } catch (err) {
    if (err instanceof ExtentError) decodeFail(err.message, path);
    throw err;
  }
}

function expectKind<K extends VmStateEntry["kind"]>(entry: VmStateEntry, kind: K, path: SchemaPath): Extract<VmStateEntry, { kind: K }> {
  if (entry.kind !== kind) decodeFail(`entry is ${entry.kind}`, path, kind);
  return entry as Extract<VmStateEntry, { kind: K }>;
}

function blobFrom(entry: VmStateEntry, n: number, path: SchemaPath): Uint8Array {
  const b = expectKind(entry, "oldblob", path).value;
  if (b.length !== n) decodeFail(`oldblob has ${b.length} bytes`, path, `${n} bytes`);
  return b;
}

function elementFrom(e: ElementModel, entry: VmStateEntry, scope: Scope, path: SchemaPath): unknown {
  switch (e.kind) {
    case "int": {
      const v = expectKind(entry, "int", path).value;
      const { min, max } = intRange(e.bits, e.signed);
      if (v < min || v > max) decodeFail(`${v} does not fit ${e.type}`, path, `${min}..${max}`);
      if (e.equal !== undefined && v !== e.equal) decodeFail(`${e.type} field is ${v}`, path, `${e.equal}`);
      if (e.le && v < 0n) decodeFail(`${e.type} field is negative (${v})`, path, "0 <= value");
      return e.bits === 64 ? v : Number(v);
    }
    case "bool":
      return expectKind(entry, "bool", path).value;
    case "bytes":
      return blobFrom(entry, decExtent(e.size, scope, path), path);
    case "struct":
      return vmsdFrom(e.model, expectKind(entry, "array", path).value, structVersion(e), [], path);
  }
}

function fieldFrom(f: FieldModel, entry: VmStateEntry, scope: Scope, path: SchemaPath): unknown {
  const e = f.element;
  if (e.kind === "bytes" && e.elements) return blobFrom(entry, decExtent(f.count ?? e.size, scope, path), path);
  if (f.count === undefined) return elementFrom(e, entry, scope, path);
  const n = decExtent(f.count, scope, path);
  const items = expectKind(entry, "array", path).value;
  if (items.length !== n) {
    const c = countMismatch(f, scope, items.length, n, path);
    decodeFail(c.message, c.path, c.expected);
  }
  return items.map((it, i) => elementFrom(f.elements?.[i] ?? e, it, scope, [...path, i]));
}

function vmsdFrom(model: VmsdModel, entries: readonly VmStateEntry[], version: number, parents: Scope, path: SchemaPath): Record<string, unknown> {
  versionCheck(model, version, (m, e) => decodeFail(m, path, e));
  const state: Record<string, unknown> = {};
  const scope: Scope = [state, ...parents];
  let i = 0;
  for (const f of model.fields) {
    if (!fieldPresent(f, state, version, parents[0])) continue;
    const entry = entries[i];
    if (entry === undefined || entry.kind === "subsecl") decodeFail(`missing entry for field ${f.key}`, [...path, f.key], `entry ${i}`);
    state[f.key] = fieldFrom(f, entry, scope, [...path, f.key]);
    i++;
  }
  const last = entries[i];
  if (last?.kind === "subsecl") {
    for (const sub of last.value) {
      const s = model.subsections.find((x) => x.model.info.name === sub.name);
      if (s === undefined) decodeFail(`unknown subsection "${sub.name}" of ${model.info.name}`, path);
      state[s.key] = vmsdFrom(s.model, sub.contents, Number(sub.versionId), scope, [...path, s.key]);
    }
    i++;
  }
  if (i < entries.length) {
    const extra = entries.length - i;
    decodeFail(
      `${extra} ${extra === 1 ? "entry" : "entries"} more than ${model.info.name} has fields (written by another layout of the device?)`,
      path,
      `${i} ${i === 1 ? "entry" : "entries"}`,
    );
  }
  return state;
}

/** A state from VMStateEntries, read at the section's version. */
export function entriesToState<S extends TObject>(description: S, entries: readonly VmStateEntry[], options: { readonly version?: number } = {}): Static<S> {
  const model = compileVmsd(description);
  return vmsdFrom(model, entries, options.version ?? model.info.version, [], [model.info.name]) as Static<S>;
}
