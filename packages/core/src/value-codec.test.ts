import { describe, expect, it } from "vitest";
import { isQberError } from "./errors.js";
import type { QemuFile } from "./types.js";
import { decodeValue, encodeValue } from "./value-codec.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

const sample: QemuFile = {
  version: 3n,
  top: [
    {
      kind: "full",
      name: "ram",
      sectionId: 2n,
      instanceId: 0n,
      versionId: 4n,
      contents: { kind: "ramblid", value: { totalram: 0x2000000n, blocks: [{ name: "pc.ram", len: 0x2000000n }] } },
    },
    {
      kind: "min",
      sectionId: 2n,
      contents: {
        kind: "ramsec",
        value: [{ name: "pc.ram", pages: [{ kind: "compr", addr: 0x1000n }, { kind: "hook" }] }],
      },
    },
    {
      kind: "full",
      name: "timer",
      sectionId: 0n,
      instanceId: 0n,
      versionId: 2n,
      contents: {
        kind: "vmstate",
        value: [
          { kind: "int", value: -1n },
          { kind: "bool", value: true },
          { kind: "array", value: [{ kind: "oldblob", value: Uint8Array.of(1, 2) }] },
          { kind: "subsecl", value: [{ name: "timer/x", versionId: 1n, contents: [] }] },
        ],
      },
    },
  ],
};

describe("value codec", () => {
  it("starts a QemuFile with 7f cd c5 51", () => {
    expect(hex(encodeValue("QemuFile", { version: 3n, top: [] }))).toBe("7fcdc5510502010330" + "00");
  });

  it("round-trips a file in DER and streaming form", () => {
    for (const streaming of [false, true]) {
      const bytes = encodeValue("QemuFile", sample, { streaming });
      expect(decodeValue("QemuFile", bytes)).toEqual(sample);
    }
  });

  it("encodes DER primitives", () => {
    expect(hex(encodeValue("SectionID", 128n))).toBe("02020080");
    expect(hex(encodeValue("SectionID", -129n))).toBe("0202ff7f");
    expect(hex(encodeValue("SectionID", 2n ** 64n - 1n))).toBe("020900ffffffffffffffff");
    expect(hex(encodeValue("VMStateEntries", { kind: "bool", value: true }))).toBe("0101ff");
    expect(hex(encodeValue("SecEndMark", null))).toBe("5fd34500");
  });

  it("names offset and path on a wrong tag", () => {
    const bytes = encodeValue("QemuFile", sample);
    const bad = Uint8Array.from(bytes);
    const at = Buffer.from(bad).indexOf(Buffer.from("0101ff", "hex"));
    bad[at] = 0x0a;
    try {
      decodeValue("QemuFile", bad);
      expect.unreachable();
    } catch (e) {
      expect(isQberError(e, "QberDecodeError")).toBe(true);
      expect(e).toMatchObject({ offset: at, path: "top[2].full.contents.vmstate[1]", incomplete: false });
    }
  });
});
