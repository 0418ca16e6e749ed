/**
 * QEMU's vmdesc: the JSON description of every device section that QEMU
 * appends to a migration stream (record 0x06, after EOF). Shapes, reading,
 * and writing in QEMU's exact formatting (legacy-format §8).
 */
import { QberDecodeError, QberEncodeError } from "@qber/core";

/** One field object: one element, or a compressed array (`array_len`). */
export interface VmdescField {
  name: string;
  array_len?: number;
  index?: number;
  type: string;
  /** Nested vmsd of a `struct` field. */
  struct?: VmdescVmsd;
  /** Inlined nested vmsd of `tmp` and `vstruct` fields. */
  vmsd_name?: string;
  version?: number;
  fields?: VmdescField[];
  subsections?: VmdescVmsd[];
  /** Bytes written for this element (the first element of a compressed array). */
  size: number;
}

/** A vmsd as described: a subsection, a nested struct, the body of a device. */
export interface VmdescVmsd {
  vmsd_name: string;
  version: number;
  fields: VmdescField[];
  subsections?: VmdescVmsd[];
}

/**
 * A device entry. vmsd devices carry `vmsd_name`, `version`, `fields` and
 * maybe `subsections`; old-style handlers carry `size` and one `data` field.
 */
export interface VmdescDevice {
  name: string;
  instance_id: number;
  vmsd_name?: string;
  version?: number;
  size?: number;
  fields: VmdescField[];
  subsections?: VmdescVmsd[];
}

export interface Vmdesc {
  page_size: number;
  devices: VmdescDevice[];
}

/** Parses vmdesc JSON text (UTF-8 bytes or a string). */
export function parseVmdesc(text: Uint8Array | string): Vmdesc {
  const s = typeof text === "string" ? text : new TextDecoder("utf-8", { fatal: false }).decode(text);
  let json: unknown;
  try {
    json = JSON.parse(s);
  } catch (cause) {
    throw new QberDecodeError("vmdesc is not valid JSON", { expected: "QEMU's vmdesc JSON", cause });
  }
  const o = json as Partial<Vmdesc> | null;
  if (typeof o !== "object" || o === null || !Array.isArray(o.devices)) {
    throw new QberDecodeError("vmdesc has no devices list", { expected: '{"page_size": n, "devices": [...]}' });
  }
  o.devices.forEach((d, i) => checkDevice(d, [`devices[${i}]`]));
  return o as Vmdesc;
}

/** Deepest nesting of structs and subsections a vmdesc may describe. */
const MAX_VMDESC_DEPTH = 32;

function bad(path: readonly string[], what: string): never {
  throw new QberDecodeError(`vmdesc ${path.join(".")}: ${what}`, { expected: "QEMU's vmdesc JSON" });
}

const isCount = (v: unknown): boolean => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * The vmdesc comes with the stream, so it is as untrusted as the stream:
 * every object that descriptions are derived from is checked for its shape.
 */
function checkDevice(d: unknown, path: readonly string[]): void {
  if (typeof d !== "object" || d === null) bad(path, "not an object");
  const o = d as Record<string, unknown>;
  if (typeof o.name !== "string") bad(path, "no name");
  if (!isCount(o.instance_id)) bad(path, "no instance_id");
  if (o.size !== undefined && !isCount(o.size)) bad(path, "size is not a count");
  if (o.vmsd_name === undefined) {
    if (!isCount(o.size)) bad(path, "neither vmsd_name nor size");
    return;
  }
  checkVmsd(o, path, 0);
}

function checkVmsd(o: Record<string, unknown>, path: readonly string[], depth: number): void {
  if (depth > MAX_VMDESC_DEPTH) bad(path, `nested deeper than ${MAX_VMDESC_DEPTH}`);
  if (typeof o.vmsd_name !== "string") bad(path, "no vmsd_name");
  if (!isCount(o.version)) bad(path, "no version");
  if (!Array.isArray(o.fields)) bad(path, "no fields list");
  o.fields.forEach((f, i) => checkField(f, [...path, `fields[${i}]`], depth));
  if (o.subsections !== undefined) {
    if (!Array.isArray(o.subsections)) bad(path, "subsections is not a list");
    o.subsections.forEach((sub, i) => {
      if (typeof sub !== "object" || sub === null) bad([...path, `subsections[${i}]`], "not an object");
      checkVmsd(sub as Record<string, unknown>, [...path, `subsections[${i}]`], depth + 1);
    });
  }
}

function checkField(f: unknown, path: readonly string[], depth: number): void {
  if (typeof f !== "object" || f === null) bad(path, "not an object");
  const o = f as Record<string, unknown>;
  if (typeof o.name !== "string") bad(path, "no name");
  if (typeof o.type !== "string") bad(path, "no type");
  if (!isCount(o.size)) bad(path, "no size");
  if (o.array_len !== undefined && !isCount(o.array_len)) bad(path, "array_len is not a count");
  if (o.index !== undefined && !isCount(o.index)) bad(path, "index is not a count");
  if (o.struct !== undefined) {
    if (typeof o.struct !== "object" || o.struct === null) bad(path, "struct is not an object");
    checkVmsd(o.struct as Record<string, unknown>, [...path, "struct"], depth + 1);
  }
  // `tmp` fields carry their nested description inline.
  if (o.vmsd_name !== undefined || o.fields !== undefined) checkVmsd(o, path, depth + 1);
}

function quote(s: string): string {
  // QEMU's JSON writer: escapes quote, backslash and the usual control
  // characters; every other code point below 0x20 or from 0x7f on becomes
  // \uXXXX (upper-case hex, surrogate pairs beyond the BMP); '/' stays.
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case "\\":
        out += "\\\\";
        break;
      case "\b":
        out += "\\b";
        break;
      case "\f":
        out += "\\f";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      default:
        if (cp > 0xffff) {
          const hi = 0xd800 + ((cp - 0x10000) >> 10);
          const lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);
          out += `\\u${hex4(hi)}\\u${hex4(lo)}`;
        } else if (cp < 0x20 || cp >= 0x7f) out += `\\u${hex4(cp)}`;
        else out += ch;
    }
  }
  return `${out}"`;
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, "0");
}

/**
 * Serializes like QEMU's (non-pretty) JSON writer: `", "` between items,
 * `": "` after keys, keys in insertion order, integers in decimal.
 */
export function formatQemuJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return quote(value);
    case "number":
      if (!Number.isInteger(value)) throw new QberEncodeError(`vmdesc holds only integers, got ${value}`);
      return String(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (Array.isArray(value)) return `[${value.map(formatQemuJson).join(", ")}]`;
      return `{${Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${quote(k)}: ${formatQemuJson(v)}`)
        .join(", ")}}`;
    default:
      throw new QberEncodeError(`cannot write ${typeof value} in vmdesc`);
  }
}

/** The vmdesc record's JSON bytes as QEMU writes them. */
export function formatVmdesc(vmdesc: Vmdesc): Uint8Array {
  // The text is pure ASCII (everything else is escaped), so UTF-8 = ASCII.
  return new TextEncoder().encode(formatQemuJson({ page_size: vmdesc.page_size, devices: vmdesc.devices }));
}

/**
 * The length of a section body as its vmdesc entry accounts for it: the
 * fields (a compressed array counts its first element's size per element)
 * and each subsection's header (0x05, counted name, be32 version) and body.
 */
export function vmdescBodySize(d: VmdescDevice | VmdescVmsd): number {
  if ("size" in d && d.size !== undefined && d.vmsd_name === undefined) return d.size;
  let n = 0;
  for (const f of d.fields ?? []) n += (f.array_len ?? 1) * f.size;
  for (const s of d.subsections ?? []) n += 2 + s.vmsd_name.length + 4 + vmdescBodySize(s);
  return n;
}

/**
 * Where the vmdesc record (0x06, be32 length, JSON) starts in `tail`, the end
 * of a QEMU stream: the record must end exactly where `tail` does. -1 when
 * there is none (a machine that suppresses it, or a cut stream).
 */
export function findVmdescRecord(tail: Uint8Array): number {
  for (let p = tail.length - 6; p >= 0; p--) {
    if (tail[p] !== 0x06 || tail[p + 5] !== 0x7b) continue;
    const len = ((tail[p + 1]! << 24) | (tail[p + 2]! << 16) | (tail[p + 3]! << 8) | tail[p + 4]!) >>> 0;
    if (p + 5 + len === tail.length) return p;
  }
  return -1;
}
