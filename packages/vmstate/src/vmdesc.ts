/**
 * QEMU's vmdesc: the JSON description of every device section that QEMU
 * appends to a migration stream (record 0x06, after EOF). Shapes, reading,
 * and writing in QEMU's exact formatting (legacy-format §8).
 */
import { QberDecodeError } from "@qber/core";

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
  return o as Vmdesc;
}

function quote(s: string): string {
  // QEMU's JSON writer: escapes quote, backslash and the usual control
  // characters; every other code point below 0x20 or from 0x7f on becomes
  // \uXXXX (upper-case hex, surrogate pairs beyond the BMP); '/' stays.
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"': out += '\\"'; break;
      case "\\": out += "\\\\"; break;
      case "\b": out += "\\b"; break;
      case "\f": out += "\\f"; break;
      case "\n": out += "\\n"; break;
      case "\r": out += "\\r"; break;
      case "\t": out += "\\t"; break;
      default:
        if (cp > 0xffff) {
          const hi = 0xd800 + ((cp - 0x10000) >> 10);
          const lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);
          out += `\\u${hex4(hi)}\\u${hex4(lo)}`;
        } else if (cp < 0x20 || cp >= 0x7f) out += `\\u${hex4(cp)}`;
        else out += ch;
    }
  }
  return out + '"';
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
      if (!Number.isInteger(value)) throw new TypeError(`vmdesc holds only integers, got ${value}`);
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
      throw new TypeError(`cannot write ${typeof value} in vmdesc`);
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
