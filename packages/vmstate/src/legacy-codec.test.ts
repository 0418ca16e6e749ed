import { isQberError, type QberDecodeError } from "@qber/core";
import { describe, expect, it } from "vitest";
import { decodeLegacy, encodeLegacy, i32Le, neededMismatches, subsection, u16, u32, u8, vmsd } from "./index.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

function decodeError(f: () => unknown): QberDecodeError {
  try {
    f();
  } catch (e) {
    if (isQberError(e, "QberDecodeError")) return e as QberDecodeError;
    throw e;
  }
  throw new Error("no error thrown");
}

const dev = vmsd(
  { name: "dev", version: 3, minVersion: 2 },
  {
    a: u8(),
    s1: subsection(vmsd({ name: "dev/one", version: 1 }, { x: u8() })),
    s2: subsection(vmsd({ name: "dev/two", version: 1 }, { y: u16() })),
  },
);

describe("QEMU's checks on load", () => {
  it("rejects an _EQUAL field with another value, naming the expected one", () => {
    const d = vmsd({ name: "eq", version: 1 }, { n: u8({ equal: 2 }) });
    const e = decodeError(() => decodeLegacy(d, hex("03"), { final: true }));
    expect(e.message).toContain("expected 2");
    expect(e.offset).toBe(0);
  });
  it("rejects a negative _LE field", () => {
    const d = vmsd({ name: "le", version: 1 }, { n: i32Le() });
    expect(decodeError(() => decodeLegacy(d, hex("ffffffff"), { final: true })).message).toContain("negative");
  });
  it("rejects section versions above the description's version or below its minimum", () => {
    expect(decodeError(() => decodeLegacy(dev, hex("01"), { version: 4, final: true })).message).toContain("too new");
    expect(decodeError(() => decodeLegacy(dev, hex("01"), { version: 1, final: true })).message).toContain("too old");
    expect(decodeLegacy(dev, hex("01"), { version: 2, final: true }).value).toEqual({ a: 1 });
  });
});

describe("subsection peeking, as QEMU's loader does it", () => {
  it("accepts any order and subset", () => {
    const bytes = hex("01 05 07 6465762f74776f 00000001 0203 05 07 6465762f6f6e65 00000001 09");
    expect(decodeLegacy(dev, bytes, { final: true }).value).toEqual({ a: 1, s2: { y: 0x203 }, s1: { x: 9 } });
  });
  it("stops at a 0x05 whose name does not start with the parent's name", () => {
    const r = decodeLegacy(dev, hex("01 05 07 6f746865722f78 00000001 7e"), { final: true });
    expect(r).toEqual({ value: { a: 1 }, length: 1 });
  });
  it("stops at a 0x05 whose length is shorter than `<parent>/x`", () => {
    expect(decodeLegacy(dev, hex("01 05 03 646576"), { final: true }).length).toBe(1);
  });
  it("fails on an unknown subsection with the parent's prefix", () => {
    const e = decodeError(() => decodeLegacy(dev, hex("01 05 07 6465762f746872 00000001"), { final: true }));
    expect(e.message).toContain('unknown subsection "dev/thr"');
  });
  it("keeps the low 8 bits of the subsection version (QEMU's loader does)", () => {
    const r = decodeLegacy(dev, hex("01 05 07 6465762f6f6e65 00000101 09"), { final: true });
    expect(r.value).toEqual({ a: 1, s1: { x: 9 } });
  });
  it("asks for more input (incomplete) when the input ends where a subsection could start", () => {
    const e = decodeError(() => decodeLegacy(dev, hex("01")));
    expect(e.incomplete).toBe(true);
    expect(decodeLegacy(dev, hex("01 7e 00000000")).length).toBe(1);
  });
});

describe("truncated input", () => {
  it("is an incomplete decode error with the offset", () => {
    const d = vmsd({ name: "t", version: 1 }, { a: u8(), b: u32() });
    const e = decodeError(() => decodeLegacy(d, hex("01 0000"), { offset: 100 }));
    expect(e.incomplete).toBe(true);
    expect(e.offset).toBe(101);
    expect(e.path).toBe("t.b");
  });
});

describe("encoding", () => {
  it("writes subsections in declaration order, whatever the state's key order", () => {
    const bytes = encodeLegacy(dev, { a: 1, s2: { y: 2 }, s1: { x: 3 } });
    expect(Buffer.from(bytes).toString("hex")).toBe("01" + "05076465762f6f6e650000000103" + "05076465762f74776f000000010002");
  });
  it("refuses values that do not fit their width", () => {
    const d = vmsd({ name: "w", version: 1 }, { a: u8() });
    expect(() => encodeLegacy(d, { a: 256 })).toThrow(/does not fit uint8/);
  });
});

describe("needed tests", () => {
  const d = vmsd(
    { name: "n", version: 1 },
    {
      a: u8(),
      s: subsection(vmsd({ name: "n/s", version: 1 }, { x: u8() }), { needed: (st) => st["a"] !== 0 }),
    },
  );
  it("reports subsections whose presence disagrees with needed()", () => {
    expect(neededMismatches(d, { a: 1, s: { x: 1 } })).toEqual([]);
    expect(neededMismatches(d, { a: 0 })).toEqual([]);
    expect(neededMismatches(d, { a: 1 })).toEqual([{ path: ["n", "s"], subsection: "n/s", needed: true }]);
    expect(neededMismatches(d, { a: 0, s: { x: 1 } })).toEqual([{ path: ["n", "s"], subsection: "n/s", needed: false }]);
  });
});
