/**
 * Descriptions made from a stream's own vmdesc, for device sections no
 * plugin knows. The result is an ordinary description in this package's
 * vocabulary, so generic decoding, re-encoding and vmdesc writing are the
 * same code as for hand-written devices. It describes exactly what that
 * stream sent: fields the sender skipped are not in it, every array has the
 * length that was sent, and each subsection that was sent is listed.
 *
 * Field names become property keys verbatim (`env.xmm_regs[0]`,
 * `cur_offset[1]`), subsection names (`cpu/poll_control_msr`) likewise.
 */
import type { TObject, TSchema } from "typebox";
import { QberDecodeError } from "@qber/core";
import { withAnnotation } from "./annotation.js";
import { array, tuple } from "./arrays.js";
import { buffer, opaque, u8Array, unused } from "./buffers.js";
import { compressed, named } from "./field-meta.js";
import { bool, int } from "./scalars.js";
import type { VmdescDevice, VmdescField, VmdescVmsd } from "./vmdesc.js";
import { struct, subsection, tmp, vmsd, vmsdInfo, vstruct } from "./vmsd.js";

interface IntType {
  readonly bits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
  readonly le?: boolean;
}

/** vmdesc type strings with a known integer layout. */
const INT_TYPES: Readonly<Record<string, IntType>> = {
  int8: { bits: 8, signed: true },
  int16: { bits: 16, signed: true },
  int32: { bits: 32, signed: true },
  int64: { bits: 64, signed: true },
  uint8: { bits: 8, signed: false },
  uint16: { bits: 16, signed: false },
  uint32: { bits: 32, signed: false },
  uint64: { bits: 64, signed: false },
  "int32 equal": { bits: 32, signed: true },
  "int32 le": { bits: 32, signed: true, le: true },
  "uint8 equal": { bits: 8, signed: false },
  "uint16 equal": { bits: 16, signed: false },
  "uint32 equal": { bits: 32, signed: false },
  "int64 equal": { bits: 64, signed: false }, // QEMU's uint64 check
  timer: { bits: 64, signed: true },
  float64: { bits: 64, signed: false },
  CPU_Double_U: { bits: 64, signed: false },
};

function bad(message: string): never {
  throw new QberDecodeError(`vmdesc: ${message}`, { expected: "a vmdesc entry as QEMU 7.2 writes it" });
}

function element(f: VmdescField): TSchema {
  const t = INT_TYPES[f.type];
  if (t !== undefined && f.size === t.bits / 8) {
    // `equal` values are the receiver's own: unknown here, so not checked.
    const schema = t.bits === 64 ? int(64, t.signed, { type: f.type }) : int(t.bits, t.signed, { type: f.type, ...(t.le ? { le: true } : {}) });
    return schema;
  }
  if (f.type === "bool" && f.size === 1) return bool();
  if (f.type === "struct") {
    if (f.struct === undefined) bad(`struct field ${f.name} has no "struct"`);
    return struct(deriveVmsd(f.struct));
  }
  if (f.type === "tmp" || f.type === "vstruct") {
    if (f.vmsd_name === undefined || f.version === undefined || f.fields === undefined) bad(`${f.type} field ${f.name} has no inline description`);
    const inner = deriveVmsd({ vmsd_name: f.vmsd_name, version: f.version, fields: f.fields, ...(f.subsections ? { subsections: f.subsections } : {}) });
    return f.type === "tmp" ? tmp(inner) : vstruct(inner, f.version);
  }
  if (f.type === "unused_buffer") return unused(f.size);
  if (f.type === "buffer") return buffer(f.size);
  // Any other info (`pci config`, `virtio`, ...): its size is all vmdesc tells.
  return opaque(f.type, f.size);
}

/** The field objects' identity apart from sizes and positions. */
function shape(f: VmdescField): string {
  return JSON.stringify(f, (k, v: unknown) => (k === "size" || k === "index" ? undefined : v));
}

function fieldSchema(group: readonly VmdescField[]): TSchema {
  const first = group[0] as VmdescField;
  const indexed = first.index !== undefined;
  const n = indexed ? group.length : (first.array_len ?? 1);
  let schema: TSchema;
  if (n === 1 && !indexed) {
    schema = element(first);
  } else if (first.type === "uint8" && first.size === 1 && group.every((g) => g.type === "uint8" && g.size === 1)) {
    schema = u8Array(n);
  } else if (!indexed || group.every((g) => shape(g) === shape(first))) {
    schema = array(element(first), n);
  } else {
    schema = tuple(group.map(element));
  }
  if (n > 1 || indexed) schema = compressed(!indexed, schema);
  return named(first.name, schema);
}

/** Groups field objects: an `index` run of one name is one array. */
function groups(fields: readonly VmdescField[]): VmdescField[][] {
  const out: VmdescField[][] = [];
  for (const f of fields) {
    const last = out[out.length - 1];
    const prev = last?.[last.length - 1];
    if (f.index !== undefined && f.index > 0 && last !== undefined && prev !== undefined && prev.name === f.name && prev.index === f.index - 1) {
      last.push(f);
    } else {
      if (f.index !== undefined && f.index !== 0) bad(`field ${f.name} starts at index ${f.index}`);
      out.push([f]);
    }
  }
  return out;
}

/** A description of one described vmsd (device body, struct, subsection). */
export function deriveVmsd(desc: VmdescVmsd): TObject {
  const properties: Record<string, TSchema> = {};
  for (const g of groups(desc.fields)) {
    const key = (g[0] as VmdescField).name;
    if (Object.hasOwn(properties, key)) bad(`${desc.vmsd_name} lists field ${key} twice`);
    properties[key] = fieldSchema(g);
  }
  for (const s of desc.subsections ?? []) {
    if (Object.hasOwn(properties, s.vmsd_name)) bad(`${desc.vmsd_name} lists ${s.vmsd_name} twice`);
    properties[s.vmsd_name] = subsection(deriveVmsd(s));
  }
  return vmsd({ name: desc.vmsd_name, version: desc.version, minVersion: desc.version }, properties);
}

/**
 * A description of a device section from its vmdesc entry. Old-style
 * handlers (no vmsd) become one opaque `data` buffer.
 */
export function describeFromVmdesc(device: VmdescDevice): TObject {
  if (device.vmsd_name === undefined || device.version === undefined) {
    const size = device.size ?? bad(`device ${device.name} has neither vmsd_name nor size`);
    const body = vmsd({ name: device.name, version: 0, minVersion: 0 }, { data: buffer(size) });
    return withAnnotation(body, { kind: "vmsd", vmsd: { ...vmsdInfo(body), oldStyle: true } });
  }
  return deriveVmsd({
    vmsd_name: device.vmsd_name,
    version: device.version,
    fields: device.fields,
    ...(device.subsections ? { subsections: device.subsections } : {}),
  });
}
