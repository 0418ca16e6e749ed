/**
 * A minimal WebAssembly binary writer: just enough opcodes and sections to
 * express the SIMD kernel in simd-kernel.ts as readable TypeScript instead of
 * an opaque byte blob. There is no wasm toolchain in the build, so the module
 * is assembled from these helpers when first used.
 *
 * Instruction helpers return byte arrays; a function body is a (nested) list
 * of them. Opcode values are those of the WebAssembly core specification,
 * including fixed-width SIMD (0xfd prefix), which every Node >= 16 runs.
 */

export type Code = readonly (number | Code)[];

export const i32 = 0x7f;
export const i64 = 0x7e;
export type ValueType = typeof i32 | typeof i64;

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

// Alignment hints are 0 (byte) everywhere: the kernel does unaligned loads.
const memarg = (offset: number): number[] => [0, ...uleb(offset)];

/** Local variables and constants. */
export const get = (index: number): Code => [0x20, ...uleb(index)];
export const set = (index: number): Code => [0x21, ...uleb(index)];
export const tee = (index: number): Code => [0x22, ...uleb(index)];
export const const32 = (value: number): Code => [0x41, ...sleb(value)];
/** An i64 constant that fits in 32 bits (sign-extended). */
export const const64 = (value: number): Code => [0x42, ...sleb(value)];

/** i32 arithmetic and comparisons (operands already on the stack). */
export const add: Code = [0x6a];
export const sub: Code = [0x6b];
export const and: Code = [0x71];
export const or: Code = [0x72];
export const shl: Code = [0x74];
export const shrU: Code = [0x76];
export const eqz: Code = [0x45];
export const eq: Code = [0x46];
export const ltU: Code = [0x49];
export const gtU: Code = [0x4b];
export const geU: Code = [0x4f];
export const ctz: Code = [0x68];

/** i64 operations and conversions. */
export const eqz64: Code = [0x50];
export const ctz64: Code = [0x7a];
export const or64: Code = [0x84];
export const xor64: Code = [0x85];
export const shl64: Code = [0x86];
export const shrU64: Code = [0x88];
export const wrap64: Code = [0xa7];
export const extendU32: Code = [0xad];

/** Memory. */
export const load8 = (offset = 0): Code => [0x2d, ...memarg(offset)];
export const store8 = (offset = 0): Code => [0x3a, ...memarg(offset)];
export const vload = (offset = 0): Code => [0xfd, 0x00, ...memarg(offset)];
export const vstore = (offset = 0): Code => [0xfd, 0x0b, ...memarg(offset)];

/** SIMD (v128) operations. */
export const i8x16Eq: Code = [0xfd, 0x23];
export const vOr: Code = [0xfd, 0x50];
export const vXor: Code = [0xfd, 0x51];
export const vAnyTrue: Code = [0xfd, 0x53];
export const i8x16Bitmask: Code = [0xfd, 0x64];

/** Structured control flow; every block/loop/if is closed with `end`. */
export const block: Code = [0x02, 0x40];
export const loop: Code = [0x03, 0x40];
export const if_: Code = [0x04, 0x40];
export const else_: Code = [0x05];
export const end: Code = [0x0b];
export const br = (depth: number): Code => [0x0c, ...uleb(depth)];
export const brIf = (depth: number): Code => [0x0d, ...uleb(depth)];
export const ret: Code = [0x0f];

export interface WasmFunction {
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
  /** Types of the locals after the parameters, one entry per local. */
  readonly locals: readonly ValueType[];
  readonly body: Code;
}

function flatten(code: Code, out: number[] = []): number[] {
  for (const c of code) {
    if (typeof c === "number") out.push(c);
    else flatten(c, out);
  }
  return out;
}

const vector = (items: readonly number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/**
 * A module with one exported memory ("memory", `memoryPages` × 64 KiB, not
 * growable so views on it never go stale) and the given exported functions.
 */
export function assembleModule(functions: readonly WasmFunction[], memoryPages: number): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  const bodies = functions.map((f) => {
    const locals = vector(f.locals.map((t) => [1, t]));
    const body = [...locals, ...flatten(f.body), 0x0b];
    return [...uleb(body.length), ...body];
  });
  const exports = [...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]), [...name("memory"), 0x02, 0]];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(5, vector([[0x01, ...uleb(memoryPages), ...uleb(memoryPages)]])),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}
