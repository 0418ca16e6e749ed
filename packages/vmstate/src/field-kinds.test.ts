/**
 * Every field kind of the vocabulary, in both encodings (QEMU's binary
 * layout and VMStateEntries), with known bytes, plus property tests:
 * QEMU bytes -> state -> QEMU bytes identical, state -> entries -> state identical.
 */
import type { VmStateEntry } from "@qber/core";
import fc from "fast-check";
import type { TObject } from "typebox";
import { describe, expect, it } from "vitest";
import { arbitraryState } from "@qber/test-support";
import {
  array,
  bitmap,
  bool,
  buffer,
  cpuDouble,
  decodeLegacy,
  encodeLegacy,
  entriesToState,
  float64,
  i16,
  i32,
  i32Le,
  i64,
  i8,
  named,
  opaque,
  since,
  stateToEntries,
  struct,
  subsection,
  timer,
  tmp,
  tuple,
  u16,
  u32,
  u64,
  u8,
  u8Array,
  unused,
  vmsd,
  vstruct,
  when,
} from "./index.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const int = (v: number | bigint): VmStateEntry => ({ kind: "int", value: BigInt(v) });
const blob = (s: string): VmStateEntry => ({ kind: "oldblob", value: hex(s) });
const arr = (...value: VmStateEntry[]): VmStateEntry => ({ kind: "array", value });

const inner = vmsd({ name: "inner", version: 1 }, { a: u8(), b: u16() });
const withSub = vmsd(
  { name: "drive", version: 1 },
  {
    head: u8(),
    rate: subsection(vmsd({ name: "drive/rate", version: 2 }, { rate: u8() }), { needed: (s) => s["head"] !== 0 }),
  },
);

interface Case {
  readonly kind: string;
  readonly description: TObject;
  readonly state: Record<string, unknown>;
  readonly bytes: string;
  readonly entries: readonly VmStateEntry[];
  readonly version?: number;
}

const one = (kind: string, schema: Parameters<typeof vmsd>[1][string], value: unknown, bytes: string, entry: VmStateEntry): Case => ({
  kind,
  description: vmsd({ name: `t-${kind}`, version: 1 }, { f: schema }),
  state: { f: value },
  bytes,
  entries: [entry],
});

const cases: Case[] = [
  one("int8", i8(), -2, "fe", int(-2)),
  one("int16", i16(), -300, "fed4", int(-300)),
  one("int32", i32(), -70000, "fffeee90", int(-70000)),
  one("int64", i64(), -(2n ** 40n), "ffffff0000000000", int(-(2n ** 40n))),
  one("uint8", u8(), 200, "c8", int(200)),
  one("uint16", u16(), 0xbeef, "beef", int(0xbeef)),
  one("uint32", u32(), 0xdeadbeef, "deadbeef", int(0xdeadbeef)),
  one("uint64", u64(), 2n ** 64n - 1n, "ffffffffffffffff", int(2n ** 64n - 1n)),
  one("uint8 equal", u8({ equal: 2 }), 2, "02", int(2)),
  one("uint16 equal", u16({ equal: 7 }), 7, "0007", int(7)),
  one("uint32 equal", u32({ equal: 9 }), 9, "00000009", int(9)),
  one("int32 equal", i32({ equal: -1 }), -1, "ffffffff", int(-1)),
  one("int64 equal", u64({ equal: 2n ** 63n }), 2n ** 63n, "8000000000000000", int(2n ** 63n)),
  one("int32 le", i32Le(), 5, "00000005", int(5)),
  one("as", u8({ as: "int16_t" }), 17, "11", int(17)),
  one("bool", bool(), true, "01", { kind: "bool", value: true }),
  one("timer", timer(), -1n, "ffffffffffffffff", int(-1)),
  one("float64", float64(), 0x3ff0000000000000n, "3ff0000000000000", int(0x3ff0000000000000n)),
  one("CPU_Double_U", cpuDouble(), 0x7ff8000000000001n, "7ff8000000000001", int(0x7ff8000000000001n)),
  one("buffer", buffer(3), hex("a1b2c3"), "a1b2c3", blob("a1b2c3")),
  one("unused", unused(2), hex("0000"), "0000", blob("0000")),
  one("uint8 array", u8Array(4), hex("01020304"), "01020304", blob("01020304")),
  one("opaque info", opaque("pci irq state", 4), hex("00000001"), "00000001", blob("00000001")),
  one("fixed array", array(u16(), 2), [1, 2], "00010002", arr(int(1), int(2))),
  one("struct", struct(inner), { a: 1, b: 2 }, "010002", arr(int(1), int(2))),
  one("pointer to struct", struct(inner, { pointer: true }), { a: 3, b: 4 }, "030004", arr(int(3), int(4))),
  one(
    "array of structs",
    array(struct(inner), 2),
    [
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ],
    "010002030004",
    arr(arr(int(1), int(2)), arr(int(3), int(4))),
  ),
  one(
    "tuple of structs",
    tuple([struct(inner), struct(vmsd({ name: "other", version: 1 }, { c: bool() }))]),
    [{ a: 1, b: 2 }, { c: false }],
    "01000200",
    arr(arr(int(1), int(2)), arr({ kind: "bool", value: false })),
  ),
  one("tmp", tmp(vmsd({ name: "t/tmp", version: 1 }, { x: u32() })), { x: 5 }, "00000005", arr(int(5))),
  one("vstruct", vstruct(vmsd({ name: "vs", version: 3, minVersion: 1 }, { x: u8(), y: since(3, u8()) }), 2), { x: 9 }, "09", arr(int(9))),
  {
    kind: "varray (count from a field, multiplied)",
    description: vmsd({ name: "varr", version: 1 }, { n: u8(), v: array(u16(), { from: "n", multiply: 2 }) }),
    state: { n: 1, v: [5, 6] },
    bytes: "01 0005 0006",
    entries: [int(1), arr(int(5), int(6))],
  },
  {
    kind: "vbuffer (size from a field)",
    description: vmsd({ name: "vbuf", version: 1 }, { len: i32(), data: buffer({ from: "len" }) }),
    state: { len: 2, data: hex("abcd") },
    bytes: "00000002 abcd",
    entries: [int(2), blob("abcd")],
  },
  {
    kind: "uint8 varray",
    description: vmsd({ name: "u8v", version: 1 }, { n: u32(), v: u8Array({ from: "n" }) }),
    state: { n: 3, v: hex("010203") },
    bytes: "00000003 010203",
    entries: [int(3), blob("010203")],
  },
  {
    kind: "bitmap (bits from a field)",
    description: vmsd({ name: "bm", version: 1 }, { bits: i32(), map: bitmap("bits") }),
    state: { bits: 65, map: hex("8000000000000001 0000000000000001") },
    bytes: "00000041 8000000000000001 0000000000000001",
    entries: [int(65), blob("80000000000000010000000000000001")],
  },
  {
    kind: "version gate (absent below its version)",
    description: vmsd({ name: "gate", version: 3, minVersion: 1 }, { a: u8(), b: since(3, u8()), c: since(2, u8()) }),
    state: { a: 1, c: 3 },
    bytes: "01 03",
    entries: [int(1), int(3)],
    version: 2,
  },
  {
    kind: "field-exists predicate",
    description: vmsd({ name: "ex", version: 1 }, { has: bool(), data: when((s) => s["has"] === true, u32()), tail: u8() }),
    state: { has: true, data: 7, tail: 1 },
    bytes: "01 00000007 01",
    entries: [{ kind: "bool", value: true }, int(7), int(1)],
  },
  {
    kind: "subsection (sent)",
    description: withSub,
    state: { head: 1, rate: { rate: 4 } },
    bytes: "01 05 0a 64726976652f72617465 00000002 04",
    entries: [int(1), { kind: "subsecl", value: [{ name: "drive/rate", versionId: 2n, contents: [int(4)] }] }],
  },
  {
    kind: "subsection (not sent)",
    description: withSub,
    state: { head: 0 },
    bytes: "00",
    entries: [int(0)],
  },
  {
    kind: "nested struct with its subsection mid-stream",
    description: vmsd({ name: "outer", version: 1 }, { d: array(struct(withSub), 2), after: u8() }),
    state: { d: [{ head: 1, rate: { rate: 4 } }, { head: 0 }], after: 9 },
    bytes: "01 05 0a 64726976652f72617465 00000002 04 00 09",
    entries: [arr(arr(int(1), { kind: "subsecl", value: [{ name: "drive/rate", versionId: 2n, contents: [int(4)] }] }), arr(int(0))), int(9)],
  },
  {
    kind: "named field",
    description: vmsd({ name: "nm", version: 1 }, { xmm0: named("env.xmm_regs[0]", u64()) }),
    state: { xmm0: 1n },
    bytes: "0000000000000001",
    entries: [int(1)],
  },
];

describe.each(cases)("$kind", (c) => {
  const version = c.version === undefined ? {} : { version: c.version };
  const exact = { ...version, final: true };
  it("QEMU binary layout: known bytes both ways", () => {
    expect(encodeLegacy(c.description, c.state, version)).toEqual(hex(c.bytes));
    const decoded = decodeLegacy(c.description, hex(c.bytes), exact);
    expect(decoded.value).toEqual(c.state);
    expect(decoded.length).toBe(hex(c.bytes).length);
  });
  it("VMStateEntries: known entries both ways", () => {
    expect(stateToEntries(c.description, c.state, version)).toEqual(c.entries);
    expect(entriesToState(c.description, c.entries, version)).toEqual(c.state);
  });
  it("property: QEMU bytes -> state -> QEMU bytes identical; state -> entries -> state identical", () => {
    fc.assert(
      fc.property(arbitraryState(c.description, c.version), (state) => {
        const bytes = encodeLegacy(c.description, state, version);
        const back = decodeLegacy(c.description, bytes, exact);
        expect(back.length).toBe(bytes.length);
        expect(encodeLegacy(c.description, back.value, version)).toEqual(bytes);
        expect(back.value).toEqual(state);
        expect(entriesToState(c.description, stateToEntries(c.description, state, version), version)).toEqual(state);
      }),
      { numRuns: 50 },
    );
  });
});
