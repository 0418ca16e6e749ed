/**
 * The JSON form of a qber file (docs/json-form.md): shapes, and the
 * conversions of its small parts (VMStateEntries, SecFull, pages) between
 * schema values and JSON. 64-bit values are decimal strings, bytes lowercase
 * hex, page addresses `0x` hex strings.
 */
import type { Framing, RamBlockList, RamPage, SecFull, SecFullContents, SubSection, VmStateEntry } from "@qber/core";
import { QberEncodeError } from "@qber/core";

/** The value of the top-level `format` key. */
export const JSON_FORMAT = "qber-json";
/** The value of the top-level `formatVersion` key. */
export const JSON_FORMAT_VERSION = 1;

/** How a container's length is encoded: `definite` (DER) or `indefinite` (0x80 ... 00 00). */
export type Lengths = Framing;

export type JsonEntry =
  | { readonly int: string }
  | { readonly bool: boolean }
  | { readonly oldblob: string }
  | { readonly array: readonly JsonEntry[] }
  | { readonly subsecl: readonly JsonSubSection[] };

export interface JsonSubSection {
  readonly name: string;
  readonly version: string;
  readonly contents: readonly JsonEntry[];
}

export type JsonContents =
  | { readonly vmstate: readonly JsonEntry[] }
  | { readonly oldblob: string }
  | { readonly ramblid: { readonly totalram: string; readonly blocks: readonly { readonly name: string; readonly len: string }[] } };

/** A read-only view of a device section's fields; `encode` refuses one that no longer matches `contents` (view.ts). */
export interface JsonFieldsView {
  /** How the fields were named: a plugin, the file's vmdesc, or not at all (`error` says why). */
  readonly by: "plugin" | "vmdesc" | "none";
  readonly plugin?: string;
  readonly fields?: unknown;
  readonly error?: string;
}

export interface JsonSecFull {
  readonly type: "full";
  readonly name: string;
  readonly id: string;
  readonly instance: string;
  readonly version: string;
  readonly contents: JsonContents;
  /** Exact encoding (hex) when it is not the DER re-encoding of `contents`; `encode` writes it as is. */
  readonly raw?: string;
  readonly view?: JsonFieldsView;
}

export type JsonPage =
  | { readonly kind: "compr"; readonly addr: string }
  | { readonly kind: "fullpage" | "xbzrle"; readonly addr: string; readonly data: string }
  | { readonly kind: "hook" };

/** Thrown for JSON that does not have the JSON form's shape. */
export function jsonError(reason: string, where: string): never {
  throw new QberEncodeError(`invalid JSON form: ${reason}`, where === "" ? {} : { path: [where] });
}

/**
 * A value of the input as an error message shows it: short, and never the
 * value itself when it is an array or object (which may nest deeper than
 * JSON.stringify can go).
 */
export function shown(v: unknown): string {
  if (Array.isArray(v)) return "(an array)";
  if (v !== null && typeof v === "object") return "(an object)";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return v === undefined ? "(nothing)" : String(v);
}

export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function bytesOf(hex: unknown, where: string): Uint8Array {
  // Buffer's hex decoding stops at the first pair that is not hex, but takes
  // a character past U+00FF by its low byte ("šb" decodes as ab): so the
  // string must be ASCII (a native check, where a regular expression over a
  // page's 8,192 characters was a third of `qber encode`'s time), and then
  // decode whole.
  if (typeof hex !== "string" || hex.length % 2 !== 0 || Buffer.byteLength(hex, "utf8") !== hex.length) jsonError("expected a string of hex byte pairs", where);
  const b = Buffer.from(hex, "hex");
  if (b.length * 2 !== hex.length) jsonError("expected a string of hex byte pairs", where);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** An integer from a decimal string, a `0x` hex string, or a safe JSON number. */
export function bigOf(v: unknown, where: string): bigint {
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) {
    return v.startsWith("-") ? -BigInt(v.slice(1)) : BigInt(v);
  }
  return jsonError("expected an integer as a decimal string (or 0x hex)", where);
}

function stringOf(v: unknown, where: string): string {
  if (typeof v !== "string") jsonError("expected a string", where);
  return v;
}

function objectOf(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) jsonError("expected an object", where);
  return v as Record<string, unknown>;
}

function arrayOf(v: unknown, where: string): readonly unknown[] {
  if (!Array.isArray(v)) jsonError("expected an array", where);
  return v;
}

// ---------------------------------------------------------------- to JSON

export function entryToJson(e: VmStateEntry): JsonEntry {
  switch (e.kind) {
    case "int":
      return { int: e.value.toString() };
    case "bool":
      return { bool: e.value };
    case "oldblob":
      return { oldblob: hexOf(e.value) };
    case "array":
      return { array: e.value.map(entryToJson) };
    case "subsecl":
      return { subsecl: e.value.map((s) => ({ name: s.name, version: s.versionId.toString(), contents: s.contents.map(entryToJson) })) };
  }
}

export function contentsToJson(c: SecFullContents): JsonContents {
  switch (c.kind) {
    case "vmstate":
      return { vmstate: c.value.map(entryToJson) };
    case "oldblob":
      return { oldblob: hexOf(c.value) };
    case "ramblid":
      return { ramblid: { totalram: c.value.totalram.toString(), blocks: c.value.blocks.map((b) => ({ name: b.name, len: b.len.toString() })) } };
  }
}

export function secFullToJson(s: SecFull): JsonSecFull {
  return {
    type: "full",
    name: s.name,
    id: s.sectionId.toString(),
    instance: s.instanceId.toString(),
    version: s.versionId.toString(),
    contents: contentsToJson(s.contents),
  };
}

export function addrToJson(addr: bigint): string {
  return addr < 0n ? `-0x${(-addr).toString(16)}` : `0x${addr.toString(16)}`;
}

// ---------------------------------------------------------------- from JSON

export function entryFromJson(v: unknown, where: string): VmStateEntry {
  const o = objectOf(v, where);
  const keys = Object.keys(o);
  if (keys.length !== 1) jsonError(`an entry has exactly one of int, bool, oldblob, array, subsecl (got ${keys.join(", ") || "none"})`, where);
  const k = keys[0]!;
  const x = o[k];
  switch (k) {
    case "int":
      return { kind: "int", value: bigOf(x, `${where}.int`) };
    case "bool":
      if (typeof x !== "boolean") jsonError("expected true or false", `${where}.bool`);
      return { kind: "bool", value: x };
    case "oldblob":
      return { kind: "oldblob", value: bytesOf(x, `${where}.oldblob`) };
    case "array":
      return { kind: "array", value: arrayOf(x, `${where}.array`).map((e, i) => entryFromJson(e, `${where}.array[${i}]`)) };
    case "subsecl":
      return { kind: "subsecl", value: arrayOf(x, `${where}.subsecl`).map((s, i) => subsectionFromJson(s, `${where}.subsecl[${i}]`)) };
    default:
      return jsonError(`unknown entry kind ${shown(k)}`, where);
  }
}

function subsectionFromJson(v: unknown, where: string): SubSection {
  const o = objectOf(v, where);
  return {
    name: stringOf(o["name"], `${where}.name`),
    versionId: bigOf(o["version"], `${where}.version`),
    contents: arrayOf(o["contents"], `${where}.contents`).map((e, i) => entryFromJson(e, `${where}.contents[${i}]`)),
  };
}

function ramblidFromJson(v: unknown, where: string): RamBlockList {
  const o = objectOf(v, where);
  return {
    totalram: bigOf(o["totalram"], `${where}.totalram`),
    blocks: arrayOf(o["blocks"], `${where}.blocks`).map((b, i) => {
      const bo = objectOf(b, `${where}.blocks[${i}]`);
      return { name: stringOf(bo["name"], `${where}.blocks[${i}].name`), len: bigOf(bo["len"], `${where}.blocks[${i}].len`) };
    }),
  };
}

export function contentsFromJson(v: unknown, where: string): SecFullContents {
  const o = objectOf(v, where);
  const keys = Object.keys(o);
  if (keys.length !== 1) jsonError("contents has exactly one of vmstate, oldblob, ramblid", where);
  const k = keys[0]!;
  switch (k) {
    case "vmstate":
      return { kind: "vmstate", value: arrayOf(o[k], `${where}.vmstate`).map((e, i) => entryFromJson(e, `${where}.vmstate[${i}]`)) };
    case "oldblob":
      return { kind: "oldblob", value: bytesOf(o[k], `${where}.oldblob`) };
    case "ramblid":
      return { kind: "ramblid", value: ramblidFromJson(o[k], `${where}.ramblid`) };
    default:
      return jsonError(`unknown contents kind ${shown(k)}`, where);
  }
}

/** A SecFull from its JSON object (without `type`, `raw` and `view`, which the caller handles). */
export function secFullFromJson(v: unknown, where: string): SecFull {
  const o = objectOf(v, where);
  return {
    kind: "full",
    name: stringOf(o["name"], `${where}.name`),
    sectionId: bigOf(o["id"], `${where}.id`),
    instanceId: bigOf(o["instance"], `${where}.instance`),
    versionId: bigOf(o["version"], `${where}.version`),
    contents: contentsFromJson(o["contents"], `${where}.contents`),
  };
}

export function pageFromJson(v: unknown, where: string): RamPage {
  const o = objectOf(v, where);
  const kind = o["kind"];
  switch (kind) {
    case "compr":
      return { kind, addr: bigOf(o["addr"], `${where}.addr`) };
    case "fullpage":
    case "xbzrle":
      return { kind, addr: bigOf(o["addr"], `${where}.addr`), data: bytesOf(o["data"], `${where}.data`) };
    case "hook":
      return { kind };
    default:
      return jsonError(`unknown page kind ${shown(kind)} (compr, fullpage, xbzrle, hook)`, where);
  }
}

/**
 * JSON text of a value, indented; objects and arrays that fit on one line
 * (up to `width` characters) stay on one line.
 */
export function pretty(value: unknown, indent = "", width = 100): string {
  const flat = JSON.stringify(value);
  if (flat === undefined) return "null";
  if (flat.length + indent.length <= width || typeof value !== "object" || value === null) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => inner + pretty(v, inner, width)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner, width)}`).join(",\n")}\n${indent}}`;
}
