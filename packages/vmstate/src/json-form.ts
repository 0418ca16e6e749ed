/**
 * The JSON form of a state: what its JSON Schema describes and what ajv
 * validates. 64-bit integers (ints, timers, float bit patterns) are decimal
 * strings, byte buffers lowercase hex strings; everything else is as in the
 * API. Absent (unsent) fields and subsections stay absent.
 */
import { QberEncodeError } from "@qber/core";
import type { Static, TObject } from "typebox";
import { compileVmsd, type ElementModel, type FieldModel, type VmsdModel } from "./model.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
    throw new QberEncodeError(`not a hex byte string: ${hex.slice(0, 40)}`, { expected: "an even number of hex digits" });
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function isByteField(f: FieldModel): boolean {
  return f.element.kind === "bytes" && f.element.elements;
}

function elementToJson(e: ElementModel, v: unknown): JsonValue {
  switch (e.kind) {
    case "int":
      return typeof v === "bigint" ? v.toString() : (v as number);
    case "bool":
      return v as boolean;
    case "bytes":
      return v instanceof Uint8Array ? toHex(v) : (v as JsonValue);
    case "struct":
      return vmsdToJson(e.model, v);
  }
}

function vmsdToJson(model: VmsdModel, state: unknown): JsonValue {
  if (typeof state !== "object" || state === null) return state as JsonValue;
  const obj = state as Record<string, unknown>;
  const out: Record<string, JsonValue> = {};
  for (const f of model.fields) {
    const v = obj[f.key];
    if (v === undefined) continue;
    if (isByteField(f)) out[f.key] = v instanceof Uint8Array ? toHex(v) : (v as JsonValue);
    else if (f.count !== undefined && Array.isArray(v)) out[f.key] = v.map((x, i) => elementToJson(f.elements?.[i] ?? f.element, x));
    else out[f.key] = elementToJson(f.element, v);
  }
  for (const s of model.subsections) {
    const v = obj[s.key];
    if (v !== undefined) out[s.key] = vmsdToJson(s.model, v);
  }
  return out;
}

function elementFromJson(e: ElementModel, v: unknown): unknown {
  switch (e.kind) {
    case "int":
      return e.bits === 64 && typeof v === "string" ? BigInt(v) : v;
    case "bool":
      return v;
    case "bytes":
      return typeof v === "string" ? fromHex(v) : v;
    case "struct":
      return vmsdFromJson(e.model, v);
  }
}

function vmsdFromJson(model: VmsdModel, json: unknown): unknown {
  if (typeof json !== "object" || json === null) return json;
  const obj = json as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of model.fields) {
    const v = obj[f.key];
    if (v === undefined) continue;
    if (isByteField(f)) out[f.key] = typeof v === "string" ? fromHex(v) : v;
    else if (f.count !== undefined && Array.isArray(v)) out[f.key] = v.map((x, i) => elementFromJson(f.elements?.[i] ?? f.element, x));
    else out[f.key] = elementFromJson(f.element, v);
  }
  for (const s of model.subsections) {
    const v = obj[s.key];
    if (v !== undefined) out[s.key] = vmsdFromJson(s.model, v);
  }
  return out;
}

/** A state in its JSON form (bigints as decimal strings, bytes as hex). */
export function stateToJson<S extends TObject>(description: S, state: Static<S>): JsonValue {
  return vmsdToJson(compileVmsd(description), state);
}

/** A state from its JSON form; validate the JSON first (`validateJson`) for good errors. */
export function stateFromJson<S extends TObject>(description: S, json: unknown): Static<S> {
  return vmsdFromJson(compileVmsd(description), json) as Static<S>;
}
