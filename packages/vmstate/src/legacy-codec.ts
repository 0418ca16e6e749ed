/**
 * Typed state <-> QEMU's binary layout of a vmsd (legacy-format §7): fields
 * big-endian in declaration order, nested structs inline, subsections after
 * the fields as 0x05 + counted name + be32 version. Reading peeks for
 * subsections exactly as QEMU's loader does; writing can record the vmdesc
 * description of what it wrote, sizes included, as QEMU's saver does.
 */
import { QberDecodeError, QberEncodeError, type SchemaPath } from "@qber/core";
import type { Static, TObject } from "typebox";
import type { VmStateObject } from "./annotation.js";
import { ByteReader, ByteWriter } from "./byte-io.js";
import { ExtentError, countMismatch, resolveExtent, type Scope } from "./extent.js";
import { compileVmsd, type ElementModel, type FieldModel, type VmsdModel } from "./model.js";
import type { VmdescField, VmdescVmsd } from "./vmdesc.js";
import { intRange } from "./scalars.js";

const SUBSECTION = 0x05;
/** Wire size of one element of a fixed-size kind, or undefined. */
function fixedSize(e: ElementModel): number | undefined {
  if (e.kind === "int") return e.bits / 8;
  if (e.kind === "bool") return 1;
  return undefined;
}

/** Whether a field is on the wire (QEMU's field-exists rule). */
export function fieldPresent(f: FieldModel, state: VmStateObject, version: number, parent: VmStateObject | undefined): boolean {
  return f.exists !== undefined ? f.exists(state, version, parent) : f.since <= version;
}

/** The vmdesc type string of an element. */
export function vmdescType(e: ElementModel): string {
  return e.kind === "struct" ? e.embed : e.type;
}

/** Version a nested vmsd is saved and loaded at. */
export function structVersion(e: ElementModel & { kind: "struct" }): number {
  return e.embed === "vstruct" ? (e.structVersion ?? e.model.info.version) : e.model.info.version;
}

function checkVersion(model: VmsdModel, version: number, path: SchemaPath, offset: number | undefined): void {
  const { name, version: max, minVersion, oldStyle } = model.info;
  // Old-style handlers version their opaque bodies themselves.
  if (oldStyle) return;
  if (version > max || version < minVersion) {
    const init = { path, expected: `version ${minVersion}..${max}`, ...(offset === undefined ? {} : { offset }) };
    if (offset === undefined) throw new QberEncodeError(`${name}: version ${version} is not supported`, init);
    throw new QberDecodeError(`${name}: version ${version} is ${version > max ? "too new" : "too old"}`, init);
  }
}

// ---------------------------------------------------------------- reading

class Decoder {
  constructor(
    readonly r: ByteReader,
    /** The input ends where the stream ends: peeks past it find nothing (as QEMU's do). */
    readonly final: boolean,
  ) {}

  /** A byte ahead for a subsection peek; past the end: nothing when final, else "need more input". */
  look(ahead: number, path: SchemaPath): number | undefined {
    const b = this.r.peek(ahead);
    if (b === undefined && !this.final) this.r.need(ahead + 1, "a possible subsection (more input needed to tell)", path);
    return b;
  }

  fail(message: string, path: SchemaPath, expected?: string): never {
    throw new QberDecodeError(message, { offset: this.r.offset, path, ...(expected === undefined ? {} : { expected }) });
  }

  extent(f: FieldModel, e: Parameters<typeof resolveExtent>[0], scope: Scope, path: SchemaPath): number {
    try {
      return resolveExtent(e, scope);
    } catch (err) {
      if (err instanceof ExtentError) this.fail(`${f.key}: ${err.message}`, path);
      throw err;
    }
  }

  vmsd(model: VmsdModel, version: number, parents: Scope, path: SchemaPath): Record<string, unknown> {
    checkVersion(model, version, path, this.r.offset);
    const state: Record<string, unknown> = {};
    const scope: Scope = [state, ...parents];
    const parent = parents[0];
    for (const f of model.fields) {
      if (!fieldPresent(f, state, version, parent)) continue;
      state[f.key] = this.field(f, scope, [...path, f.key]);
    }
    this.subsections(model, state, scope, path);
    return state;
  }

  field(f: FieldModel, scope: Scope, path: SchemaPath): unknown {
    const e = f.element;
    if (e.kind === "bytes" && e.elements) {
      const n = this.extent(f, f.count ?? e.size, scope, path);
      this.r.need(n, `${f.key} (${n} bytes)`, path);
      return this.r.take(n);
    }
    if (f.count === undefined) return this.element(e, scope, path);
    const n = this.extent(f, f.count, scope, path);
    const each = fixedSize(e);
    if (each !== undefined) this.r.need(n * each, `${f.key} (${n} elements)`, path);
    else if (n > this.r.remaining && f.elements === undefined) this.r.need(n, `${f.key} (${n} elements)`, path);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(this.element(f.elements?.[i] ?? e, scope, [...path, i]));
    return out;
  }

  element(e: ElementModel, scope: Scope, path: SchemaPath): unknown {
    const r = this.r;
    switch (e.kind) {
      case "int": {
        const size = e.bits / 8;
        r.need(size, e.type, path);
        let v: number | bigint;
        if (e.bits === 64) {
          const u = r.be64();
          v = e.signed ? BigInt.asIntN(64, u) : u;
        } else {
          const u = r.uint(size as 1 | 2 | 4);
          v = e.signed && u >= 2 ** (e.bits - 1) ? u - 2 ** e.bits : u;
        }
        if (e.equal !== undefined && BigInt(v) !== e.equal) {
          r.pos -= size;
          this.fail(`${e.type} field is ${v}`, path, `${e.equal}`);
        }
        if (e.le && BigInt(v) < 0n) {
          r.pos -= size;
          this.fail(`${e.type} field is negative (${v})`, path, "0 <= value");
        }
        return v;
      }
      case "bool":
        r.need(1, "bool", path);
        return r.u8() !== 0;
      case "bytes": {
        const n = this.extentOf(e.size, scope, path);
        r.need(n, `${e.type} (${n} bytes)`, path);
        return r.take(n);
      }
      case "struct":
        // A nested struct is a different object: counts inside it refer to its own fields.
        return this.vmsd(e.model, structVersion(e), [], path);
    }
  }

  extentOf(e: Parameters<typeof resolveExtent>[0], scope: Scope, path: SchemaPath): number {
    try {
      return resolveExtent(e, scope);
    } catch (err) {
      if (err instanceof ExtentError) this.fail(err.message, path);
      throw err;
    }
  }

  /**
   * QEMU's loader: while the next byte is 0x05, peek the name; stop (without
   * error) when it is shorter than `<parent>/x` or does not start with the
   * parent's name; an unknown name with the right prefix is fatal.
   */
  subsections(model: VmsdModel, state: Record<string, unknown>, scope: Scope, path: SchemaPath): void {
    const parentName = model.info.name;
    for (;;) {
      if (this.look(0, path) !== SUBSECTION) return;
      const len = this.look(1, path);
      if (len === undefined || len < parentName.length + 1) return;
      let name = "";
      for (let i = 0; i < len; i++) {
        const b = this.look(2 + i, path);
        if (b === undefined) return; // QEMU: a short peek means no subsection
        if (b === 0) break; // the loader compares C strings
        name += String.fromCharCode(b);
        // A mismatch with the parent's name settles it without further bytes.
        if (name.length <= parentName.length && parentName[name.length - 1] !== name[name.length - 1]) return;
      }
      if (!name.startsWith(parentName)) return;
      const sub = model.subsections.find((s) => s.model.info.name === name);
      if (sub === undefined)
        this.fail(`unknown subsection "${name}" of ${parentName}`, path, `one of: ${model.subsections.map((s) => s.model.info.name).join(", ") || "(none)"}`);
      const r = this.r;
      r.need(2 + len + 4, "subsection version", path);
      r.pos += 2 + len;
      const version = r.uint(4) & 0xff; // the loader keeps only the low 8 bits
      state[sub.key] = this.vmsd(sub.model, version, scope, [...path, sub.key]);
    }
  }
}

export interface LegacyDecodeOptions {
  /** The section version (FULL header); defaults to the description's version. */
  readonly version?: number;
  /** Offset of `bytes[0]` in the whole stream, for error messages. */
  readonly offset?: number;
  /**
   * `bytes` ends where the data ends (e.g. exactly one body). Without it, a
   * subsection check that needs bytes past the end throws an `incomplete`
   * error, because the next bytes decide whether a subsection follows.
   */
  readonly final?: boolean;
}

/**
 * Decodes a vmsd body from QEMU's binary layout. Returns the state and the
 * bytes read. Throws QberDecodeError, with `incomplete` when the input ends
 * too soon. A body has no length and ends with QEMU's peek for
 * subsections, so unless `final` is set the input must reach past the body
 * (a real stream always has the footer or the next record there; up to 257
 * bytes of look-ahead settle any peek).
 */
export function decodeLegacy<S extends TObject>(
  description: S,
  bytes: Uint8Array,
  options: LegacyDecodeOptions = {},
): { readonly value: Static<S>; readonly length: number } {
  const model = compileVmsd(description);
  const d = new Decoder(new ByteReader(bytes, options.offset ?? 0), options.final ?? false);
  const value = d.vmsd(model, options.version ?? model.info.version, [], [model.info.name]);
  return { value: value as Static<S>, length: d.r.pos };
}

// ---------------------------------------------------------------- writing

class Encoder {
  readonly w = new ByteWriter();

  fail(message: string, path: SchemaPath, expected?: string): never {
    throw new QberEncodeError(message, { path, ...(expected === undefined ? {} : { expected }) });
  }

  extent(e: Parameters<typeof resolveExtent>[0], scope: Scope, path: SchemaPath): number {
    try {
      return resolveExtent(e, scope);
    } catch (err) {
      if (err instanceof ExtentError) this.fail(err.message, path);
      throw err;
    }
  }

  /** Writes a vmsd; fills `desc` (vmsd_name, version, fields, subsections) when given. */
  vmsd(model: VmsdModel, state: unknown, version: number, parents: Scope, path: SchemaPath, desc: Partial<VmdescVmsd> | undefined): void {
    checkVersion(model, version, path, undefined);
    if (typeof state !== "object" || state === null) this.fail(`expected an object for ${model.info.name}`, path);
    const obj = state as VmStateObject;
    const scope: Scope = [obj, ...parents];
    const fields: VmdescField[] = [];
    if (desc) {
      desc.vmsd_name = model.info.name;
      desc.version = version;
      desc.fields = fields;
    }
    for (const f of model.fields) {
      if (!fieldPresent(f, obj, version, parents[0])) continue;
      const value = obj[f.key];
      if (value === undefined) this.fail(`missing field ${f.key}`, [...path, f.key], `a value (sent at version ${version})`);
      this.field(f, value, scope, [...path, f.key], desc ? fields : undefined);
    }
    const subs: VmdescVmsd[] = [];
    for (const s of model.subsections) {
      const value = obj[s.key];
      if (value === undefined) continue;
      const name = new TextEncoder().encode(s.model.info.name);
      if (name.length > 255) this.fail(`subsection name ${s.model.info.name} is longer than 255 bytes`, path);
      this.w.u8(SUBSECTION);
      this.w.u8(name.length);
      this.w.bytes(name);
      this.w.uint(4, s.model.info.version >>> 0);
      const sub: Partial<VmdescVmsd> | undefined = desc ? {} : undefined;
      this.vmsd(s.model, value, s.model.info.version, scope, [...path, s.key], sub);
      if (sub) subs.push(sub as VmdescVmsd);
    }
    if (desc && subs.length > 0) desc.subsections = subs;
  }

  field(f: FieldModel, value: unknown, scope: Scope, path: SchemaPath, out: VmdescField[] | undefined): void {
    const e = f.element;
    if (e.kind === "bytes" && e.elements) {
      const n = this.extent(f.count ?? e.size, scope, path);
      const bytes = this.bytesValue(value, n, path);
      this.w.bytes(bytes);
      if (out) {
        // QEMU describes a uint8 array element by element (compressed: once).
        const listed = f.compress ? Math.min(n, 1) : n;
        for (let i = 0; i < listed; i++) out.push(this.head(f, i, n, "uint8", { size: 1 }));
      }
      return;
    }
    if (f.count === undefined) {
      this.described(f, e, value, scope, path, 0, 1, out);
      return;
    }
    const n = this.extent(f.count, scope, path);
    if (!Array.isArray(value)) this.fail(`expected an array of ${n}`, path);
    if (value.length !== n) {
      const c = countMismatch(f, scope, value.length, n, path);
      this.fail(c.message, c.path, c.expected);
    }
    if (f.elements !== undefined && f.elements.length !== n) this.fail(`description lists ${f.elements.length} elements`, path, `${n}`);
    let listing = out;
    for (let i = 0; i < n; i++) {
      this.described(f, f.elements?.[i] ?? e, value[i], scope, [...path, i], i, n, listing);
      // A compressed array is described by its first element only.
      if (f.compress) listing = undefined;
    }
  }

  head(f: FieldModel, i: number, n: number, type: string, rest: Partial<VmdescField>): VmdescField {
    const obj: Partial<VmdescField> = { name: f.vmdescName };
    if (n > 1) {
      if (f.compress) obj.array_len = n;
      else obj.index = i;
    }
    obj.type = type;
    return Object.assign(obj, rest) as VmdescField;
  }

  described(f: FieldModel, e: ElementModel, value: unknown, scope: Scope, path: SchemaPath, i: number, n: number, out: VmdescField[] | undefined): void {
    if (!out) {
      this.element(e, value, scope, path, undefined);
      return;
    }
    const obj = this.head(f, i, n, vmdescType(e), {});
    let nested: Partial<VmdescVmsd> = obj as Partial<VmdescVmsd>;
    if (e.kind === "struct" && e.embed === "struct") {
      nested = {};
      obj.struct = nested as VmdescVmsd;
    }
    const start = this.w.length;
    this.element(e, value, scope, path, nested);
    obj.size = this.w.length - start;
    out.push(obj);
  }

  bytesValue(value: unknown, n: number, path: SchemaPath): Uint8Array {
    if (!(value instanceof Uint8Array)) this.fail("expected a Uint8Array", path);
    if (value.length !== n) this.fail(`buffer has ${value.length} bytes`, path, `${n} bytes`);
    return value;
  }

  element(e: ElementModel, value: unknown, scope: Scope, path: SchemaPath, nested: Partial<VmdescVmsd> | undefined): void {
    const w = this.w;
    switch (e.kind) {
      case "int": {
        const { min, max } = intRange(e.bits, e.signed);
        let v: bigint;
        if (e.bits === 64) {
          if (typeof value !== "bigint") this.fail(`expected a bigint for ${e.type}`, path);
          v = value;
        } else {
          if (typeof value !== "number" || !Number.isInteger(value)) this.fail(`expected an integer for ${e.type}`, path);
          v = BigInt(value);
        }
        if (v < min || v > max) this.fail(`${v} does not fit ${e.type}`, path, `${min}..${max}`);
        if (e.bits === 64) w.be64(v);
        else w.uint((e.bits / 8) as 1 | 2 | 4, Number(BigInt.asUintN(e.bits, v)));
        return;
      }
      case "bool":
        if (typeof value !== "boolean") this.fail("expected a boolean", path);
        w.u8(value ? 1 : 0);
        return;
      case "bytes":
        w.bytes(this.bytesValue(value, this.extent(e.size, scope, path), path));
        return;
      case "struct":
        this.vmsd(e.model, value, structVersion(e), [], path, nested);
        return;
    }
  }
}

export interface LegacyEncodeOptions {
  /** The section version to write at; defaults to the description's version. */
  readonly version?: number;
}

/** Encodes a state in QEMU's binary layout (the body of a FULL section). */
export function encodeLegacy<S extends TObject>(description: S, state: Static<S>, options: LegacyEncodeOptions = {}): Uint8Array {
  const model = compileVmsd(description);
  const enc = new Encoder();
  enc.vmsd(model, state, options.version ?? model.info.version, [], [model.info.name], undefined);
  return enc.w.finish();
}

/**
 * Encodes like `encodeLegacy` and also returns the vmdesc description QEMU
 * writes for the same bytes: `vmsd_name`, `version`, `fields` (names with
 * `[k]` suffixes, compressed arrays, sizes written) and `subsections`.
 */
export function encodeLegacyDescribed<S extends TObject>(
  description: S,
  state: Static<S>,
  options: LegacyEncodeOptions = {},
): { readonly bytes: Uint8Array; readonly vmdesc: VmdescVmsd } {
  const model = compileVmsd(description);
  const enc = new Encoder();
  const desc: Partial<VmdescVmsd> = {};
  enc.vmsd(model, state, options.version ?? model.info.version, [], [model.info.name], desc);
  return { bytes: enc.w.finish(), vmdesc: desc as VmdescVmsd };
}
