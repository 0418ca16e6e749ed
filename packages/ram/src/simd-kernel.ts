/**
 * The WebAssembly SIMD kernel behind the XBZRLE encoder and the zero-page
 * classifier. Plain JavaScript compares at most 8 bytes per typed-array
 * access, with a bounds check each; these loops compare 16 to 128 bytes per
 * step, which is what makes scanning unchanged or zero memory cheap.
 *
 * The kernel can only read its own memory, so callers copy their bytes into
 * the fixed regions below first (one native memcpy each) and copy results
 * out. The memory never grows, so the views made here stay valid.
 */
import {
  type Code,
  type WasmFunction,
  add,
  and,
  assembleModule,
  block,
  br,
  brIf,
  const32,
  else_,
  end,
  eq,
  eqz,
  geU,
  get,
  gtU,
  ctz64,
  const64,
  eqz64,
  extendU32,
  i32,
  i64,
  i8x16Bitmask,
  or64,
  shl64,
  shrU64,
  wrap64,
  xor64,
  i8x16Eq,
  if_,
  load8,
  loop,
  ltU,
  or,
  ret,
  set,
  shl,
  shrU,
  store8,
  sub,
  tee,
  vAnyTrue,
  vOr,
  vXor,
  vload,
  vstore,
} from "./wasm-assembler.js";

/** Largest page the encoder takes: run lengths are 14-bit ULEB values. */
export const MAX_XBZRLE_PAGE = 0x3fff;

/** Memory layout (byte offsets). */
export const OLD_PAGE = 0x0000;
export const NEW_PAGE = 0x4000;
export const ENCODED = 0x8000;
/**
 * Room for the encoder's output: a page of n bytes never encodes to more
 * than 2n + 1 bytes, so an output limit of 2n + 8 behaves like no limit; plus
 * 16 bytes because run bytes are copied a whole vector at a time.
 */
export const ENCODED_SIZE = 2 * MAX_XBZRLE_PAGE + 8 + 16;
export const ZERO_SCAN = 0x20000;
export const ZERO_SCAN_SIZE = 0x20000;
const MEMORY_PAGES = 4;

// ---------------------------------------------------------------------------
// encode(old, new, n, out, limit) -> payload length, 0 (identical) or -1
// ---------------------------------------------------------------------------

const OLD = 0;
const NEW = 1;
const N = 2;
const OUT = 3;
const LIMIT = 4;
const I = 5;
const D = 6;
const START = 7;
const LEN = 8;
const K = 9;
/** Start of the 64-byte block whose mask is in EQ (relative to the pages). */
const B = 10;
/** Bit j set when old[B+j] === new[B+j]; bits past the page end are set. */
const EQ = 11;
const T = 12;

/** old[B+offset..+16] vs new[B+offset..+16], lane-wise, with `op`. */
const lanes = (offset: number, op: Code): Code => [get(OLD), get(B), add, vload(offset), get(NEW), get(B), add, vload(offset), op];
const bits16 = (offset: number): Code => [lanes(offset, i8x16Eq), i8x16Bitmask];

/** EQ := equality mask of the block at B. */
const loadMask: Code = [
  bits16(0),
  bits16(16),
  const32(16),
  shl,
  or,
  extendU32,
  bits16(32),
  bits16(48),
  const32(16),
  shl,
  or,
  extendU32,
  const64(32),
  shl64,
  or64,
  set(EQ),
  // Bytes past the end count as unchanged, so an unchanged run stops there
  // and a changed run stops there too.
  get(B),
  const32(64),
  add,
  get(N),
  gtU,
  if_,
  get(EQ),
  const64(-1),
  get(N),
  get(B),
  sub,
  extendU32,
  shl64,
  or64,
  set(EQ),
  end,
];

/** A block with any differing byte. */
const blockDiffers: Code = [lanes(0, vXor), lanes(16, vXor), vOr, lanes(32, vXor), vOr, lanes(48, vXor), vOr, vAnyTrue];

/**
 * Advances I to the end of the run starting at I: to the next differing byte
 * ("unchanged" run) or the next equal byte ("changed" run), or to N.
 *
 * Run ends are found with a count-trailing-zeros on the block's mask rather
 * than by reloading bytes, so the dependency from one run end to the next is
 * a shift and a ctz, not a vector load. Unchanged blocks are skipped 64 bytes
 * at a time without building masks.
 */
function runEnd(kind: "unchanged" | "changed"): Code {
  const rest: Code = [get(EQ), kind === "unchanged" ? [const64(-1), xor64] : [], get(I), get(B), sub, extendU32, shrU64, tee(T)];
  const stopInBlock: Code = [rest, eqz64, eqz, if_, get(I), get(T), ctz64, wrap64, add, set(I), br(2), end];
  const nextBlock = [get(B), const32(64), add, set(B)];
  const maskAtB = [loadMask, get(B), set(I), br(0)];
  if (kind === "changed") {
    // The last block's mask has bits set past the end, so this stops there.
    return [block, loop, stopInBlock, nextBlock, maskAtB, end, end];
  }
  return [
    block, // found
    loop, // blocks
    stopInBlock,
    nextBlock,
    block, // skip unchanged blocks
    loop,
    get(B),
    const32(64),
    add,
    get(N),
    gtU,
    brIf(1),
    blockDiffers,
    brIf(1),
    nextBlock,
    br(0),
    end,
    end,
    get(B),
    get(N),
    geU,
    if_,
    get(N),
    set(I),
    br(2),
    end,
    maskAtB,
    end, // blocks
    end, // found
  ];
}

/** Writes LEN as a 14-bit ULEB at OUT+D and advances D. */
const writeLength: Code = [
  get(LEN),
  const32(0x80),
  ltU,
  if_,
  get(OUT),
  get(D),
  add,
  get(LEN),
  store8(),
  get(D),
  const32(1),
  add,
  set(D),
  else_,
  get(OUT),
  get(D),
  add,
  get(LEN),
  const32(0x7f),
  and,
  const32(0x80),
  or,
  store8(),
  get(OUT),
  get(D),
  add,
  get(LEN),
  const32(7),
  shrU,
  store8(1),
  get(D),
  const32(2),
  add,
  set(D),
  end,
];

const failIfNoRoomFor = (extra: Code): Code => [get(D), extra, add, get(LIMIT), gtU, if_, const32(-1), ret, end];

/**
 * Same decisions as QEMU 7.2's encoder: maximal runs, and it gives up
 * exactly where QEMU does (2 bytes of room before every zrun and nzrun
 * length, then room for the nzrun bytes), so the -1 cases agree too.
 */
const encode: WasmFunction = {
  name: "encode",
  params: [i32, i32, i32, i32, i32],
  results: [i32],
  locals: [i32, i32, i32, i32, i32, i32, i64, i64],
  body: [
    get(I),
    get(N),
    ltU,
    if_,
    loadMask,
    loop,
    failIfNoRoomFor(const32(2)),
    get(I),
    set(START),
    runEnd("unchanged"),
    get(I),
    get(N),
    eq,
    if_,
    // An unchanged run reaching the end is not written; a page that is all
    // one unchanged run is "identical" (0).
    get(START),
    eqz,
    if_,
    const32(0),
    ret,
    end,
    get(D),
    ret,
    end,
    get(I),
    get(START),
    sub,
    set(LEN),
    writeLength,
    failIfNoRoomFor(const32(2)),
    get(I),
    set(START),
    runEnd("changed"),
    get(I),
    get(START),
    sub,
    set(LEN),
    writeLength,
    failIfNoRoomFor(get(LEN)),
    // Whole vectors: may write up to 15 bytes past the run, which the next
    // run overwrites or the caller never copies out.
    const32(0),
    set(K),
    loop,
    get(OUT),
    get(D),
    add,
    get(K),
    add,
    get(NEW),
    get(START),
    add,
    get(K),
    add,
    vload(),
    vstore(),
    get(K),
    const32(16),
    add,
    tee(K),
    get(LEN),
    ltU,
    brIf(0),
    end,
    get(D),
    get(LEN),
    add,
    set(D),
    get(I),
    get(N),
    ltU,
    brIf(0),
    end,
    end,
    get(D),
  ],
};

// ---------------------------------------------------------------------------
// zeroMask(base, size, count) -> bit p set when page p (count <= 32) is zero
// ---------------------------------------------------------------------------

const BASE = 0;
const SIZE = 1;
const COUNT = 2;
const P = 3;
const ZMASK = 4;
const ZI = 5;
const ZEND = 6;

const zeroMask: WasmFunction = {
  name: "zeroMask",
  params: [i32, i32, i32],
  results: [i32],
  locals: [i32, i32, i32, i32],
  body: [
    block,
    loop,
    get(P),
    get(COUNT),
    geU,
    brIf(1),
    get(BASE),
    tee(ZI),
    get(SIZE),
    add,
    set(ZEND),
    block, // not zero
    block, // bytes
    loop,
    get(ZI),
    const32(128),
    add,
    get(ZEND),
    gtU,
    brIf(1),
    [0, 16, 32, 48, 64, 80, 96, 112].map((off, k) => (k === 0 ? [get(ZI), vload(off)] : [get(ZI), vload(off), vOr])),
    vAnyTrue,
    brIf(2),
    get(ZI),
    const32(128),
    add,
    set(ZI),
    br(0),
    end,
    end, // bytes
    loop,
    get(ZI),
    get(ZEND),
    geU,
    if_,
    get(ZMASK),
    const32(1),
    get(P),
    shl,
    or,
    set(ZMASK),
    br(2),
    end,
    get(ZI),
    load8(),
    brIf(1),
    get(ZI),
    const32(1),
    add,
    set(ZI),
    br(0),
    end,
    end, // not zero
    get(BASE),
    get(SIZE),
    add,
    set(BASE),
    get(P),
    const32(1),
    add,
    set(P),
    br(0),
    end,
    end,
    get(ZMASK),
  ],
};

interface KernelExports {
  readonly encode: (old: number, cur: number, n: number, out: number, limit: number) => number;
  readonly zeroMask: (base: number, size: number, count: number) => number;
  readonly memory: { readonly buffer: ArrayBuffer };
}

// The compiler's lib settings (ES2022 + node) omit the WebAssembly
// declarations; this is the part of the API used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
};

export interface Kernel extends KernelExports {
  /** The kernel's whole memory as bytes. */
  readonly bytes: Uint8Array;
}

let kernel: Kernel | undefined;

/** The kernel, compiled on first use (a few hundred bytes; synchronous). */
export function simdKernel(): Kernel {
  if (kernel === undefined) {
    const module = new WebAssembly.Module(assembleModule([encode, zeroMask], MEMORY_PAGES));
    const exports = new WebAssembly.Instance(module).exports as KernelExports;
    kernel = { encode: exports.encode, zeroMask: exports.zeroMask, memory: exports.memory, bytes: new Uint8Array(exports.memory.buffer) };
  }
  return kernel;
}
