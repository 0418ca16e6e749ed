/**
 * Vocabulary: integers, bools, timers and floats. Widths up to 32 bits are
 * `number` in the API and in JSON; 64-bit values are `bigint` in the API and
 * decimal strings in JSON (DESIGN §3: no precision is ever lost), so their
 * JSON Schema is a string pattern and their bounds live in the annotation.
 */
import Type, { type TUnsafe } from "typebox";
import { VMSTATE_KEYWORD, type IntAnnotation } from "./annotation.js";

export interface IntOptions<V extends number | bigint> {
  /** `_EQUAL`: the loader requires exactly this value. */
  readonly equal?: V;
  /** `_LE` ("less or equal", still big-endian): the loader requires 0 <= value. */
  readonly le?: boolean;
  /** Bounds beyond QEMU's own, enforced by validation. */
  readonly minimum?: V;
  readonly maximum?: V;
  /** vmdesc type string, when QEMU's differs from the default for the width. */
  readonly type?: string;
  /** `_AS`-style fields: the C type QEMU stores the wire value into. */
  readonly as?: string;
  readonly description?: string;
}

type Bits = 8 | 16 | 32 | 64;

/** The vmdesc type string QEMU uses for an integer info. */
export function intTypeName(bits: Bits, signed: boolean, variant?: "equal" | "le"): string {
  if (variant === "equal" && bits === 64) return "int64 equal"; // QEMU's name for the uint64 check
  const base = `${signed ? "int" : "uint"}${bits}`;
  return variant === undefined ? base : `${base} ${variant}`;
}

/** Inclusive range of an integer width. */
export function intRange(bits: Bits, signed: boolean): { readonly min: bigint; readonly max: bigint } {
  const b = BigInt(bits);
  return signed ? { min: -(1n << (b - 1n)), max: (1n << (b - 1n)) - 1n } : { min: 0n, max: (1n << b) - 1n };
}

const DECIMAL_SIGNED = "^-?(0|[1-9][0-9]{0,18})$";
const DECIMAL_UNSIGNED = "^(0|[1-9][0-9]{0,19})$";

function big(v: number | bigint | undefined): bigint | undefined {
  return v === undefined ? undefined : BigInt(v);
}

function intSchema(bits: Bits, signed: boolean, o: IntOptions<number | bigint>): Record<string, unknown> {
  const variant = o.equal !== undefined ? "equal" : o.le ? "le" : undefined;
  const annotation: IntAnnotation = {
    kind: "int",
    bits,
    signed,
    type: o.type ?? intTypeName(bits, signed, variant),
    ...(o.equal !== undefined ? { equal: BigInt(o.equal) } : {}),
    ...(o.le ? { le: true } : {}),
    ...(o.minimum !== undefined ? { minimum: big(o.minimum) } : {}),
    ...(o.maximum !== undefined ? { maximum: big(o.maximum) } : {}),
    ...(o.as !== undefined ? { as: o.as } : {}),
  };
  const description = o.description === undefined ? {} : { description: o.description };
  if (bits === 64) {
    // JSON Schema cannot compare 64-bit numbers: the pattern keeps the shape,
    // the x-vmstate keyword (see validation.ts) checks range and bounds.
    return { type: "string", pattern: signed ? DECIMAL_SIGNED : DECIMAL_UNSIGNED, ...description, [VMSTATE_KEYWORD]: annotation };
  }
  const range = intRange(bits, signed);
  const lo = o.le ? 0n : range.min;
  const min = annotation.minimum !== undefined && annotation.minimum > lo ? annotation.minimum : lo;
  const max = annotation.maximum !== undefined && annotation.maximum < range.max ? annotation.maximum : range.max;
  return {
    type: "integer",
    minimum: Number(min),
    maximum: Number(max),
    ...(o.equal !== undefined ? { const: Number(o.equal) } : {}),
    ...description,
    [VMSTATE_KEYWORD]: annotation,
  };
}

/** Any integer width; the named builders below are the usual spelling. */
export function int(bits: 8 | 16 | 32, signed: boolean, options?: IntOptions<number>): TUnsafe<number>;
export function int(bits: 64, signed: boolean, options?: IntOptions<bigint>): TUnsafe<bigint>;
export function int(bits: Bits, signed: boolean, options: IntOptions<number | bigint> = {}): TUnsafe<number | bigint> {
  return Type.Unsafe<number | bigint>(intSchema(bits, signed, options));
}

export const i8 = (o?: IntOptions<number>): TUnsafe<number> => int(8, true, o);
export const i16 = (o?: IntOptions<number>): TUnsafe<number> => int(16, true, o);
export const i32 = (o?: IntOptions<number>): TUnsafe<number> => int(32, true, o);
export const i64 = (o?: IntOptions<bigint>): TUnsafe<bigint> => int(64, true, o);
export const u8 = (o?: IntOptions<number>): TUnsafe<number> => int(8, false, o);
export const u16 = (o?: IntOptions<number>): TUnsafe<number> => int(16, false, o);
export const u32 = (o?: IntOptions<number>): TUnsafe<number> => int(32, false, o);
export const u64 = (o?: IntOptions<bigint>): TUnsafe<bigint> => int(64, false, o);

/** VMSTATE_INT32_POSITIVE_LE and kin: big-endian, loader checks 0 <= value <= its own. */
export const i32Le = (o?: IntOptions<number>): TUnsafe<number> => int(32, true, { ...o, le: true });

/** VMSTATE_TIMER / TIMER_PTR: expiry in ns, -1 when the timer is not armed. */
export const timer = (o?: IntOptions<bigint>): TUnsafe<bigint> => int(64, true, { type: "timer", ...o });

/** A float64 field, kept as its IEEE-754 bit pattern so NaN payloads survive. */
export const float64 = (o?: IntOptions<bigint>): TUnsafe<bigint> => int(64, false, { type: "float64", ...o });

/** CPU_Double_U (x87/SSE doubles as two be32 halves, high first): the same 8 bytes as a be64 bit pattern. */
export const cpuDouble = (o?: IntOptions<bigint>): TUnsafe<bigint> => int(64, false, { type: "CPU_Double_U", ...o });

/** VMSTATE_BOOL: one byte 0/1 (QEMU's loader takes any non-zero byte as true). */
export function bool(options: { readonly description?: string } = {}): TUnsafe<boolean> {
  return Type.Unsafe<boolean>({ type: "boolean", ...options, [VMSTATE_KEYWORD]: { kind: "bool", type: "bool" } });
}
