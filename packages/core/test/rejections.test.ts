/**
 * Every rejection of DESIGN §2, through both decoders (value-level and
 * streaming), asserting the error's name, byte offset and schema path.
 */
import { describe, expect, it } from "vitest";
import { readQemuFile } from "../src/section-reader.js";
import { decodeValue } from "../src/value-codec.js";

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const cat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

/** A DER TLV from a tag (hex) and contents. */
function tlv(tag: string, ...contents: Uint8Array[]): Uint8Array {
  const body = cat(...contents);
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return cat(hex(tag), Uint8Array.from(len), body);
}
const int = (v: number) => tlv("02", Uint8Array.of(v));
const str = (s: string) => tlv("0c", new TextEncoder().encode(s));
const END = hex("5fd34500");
const file = (...sections: Uint8Array[]) => tlv("7fcdc551", int(3), tlv("30", ...sections));
const secFull = (name: Uint8Array, contents: Uint8Array, end = END) => tlv("7f8f53", name, int(0), int(0), int(2), contents, end);
const vmstate = (...entries: Uint8Array[]) => tlv("30", ...entries);
const secMin = (...blocks: Uint8Array[]) => tlv("7f8153", int(2), tlv("7fcc52", ...blocks), END);
const block = (...pages: Uint8Array[]) => tlv("30", str("pc.ram"), tlv("30", ...pages));

interface Expected {
  name: string;
  offset: number;
  path: string;
  incomplete?: boolean;
  message?: RegExp;
}

async function rejectsBoth(bytes: Uint8Array, expected: Expected, options: { strict?: boolean } = {}) {
  const shape = {
    name: expected.name,
    offset: expected.offset,
    path: expected.path,
    ...(expected.name === "QberDecodeError" ? { incomplete: expected.incomplete ?? false } : {}),
  };
  let value: unknown;
  try {
    decodeValue("QemuFile", bytes, options);
  } catch (e) {
    value = e;
  }
  expect(value, "value decoder").toMatchObject(shape);
  if (expected.message) expect((value as Error).message).toMatch(expected.message);
  let streamed: unknown;
  try {
    await readQemuFile([bytes], options);
  } catch (e) {
    streamed = e;
  }
  expect(streamed, "streaming reader").toMatchObject(shape);
  if (expected.message) expect((streamed as Error).message).toMatch(expected.message);
}

const good = file(secFull(str("timer"), vmstate(int(5), tlv("01", Uint8Array.of(0xff)))), secMin(block(tlv("40", Uint8Array.of(0x10)))));
/** Offset of the first occurrence of `needle` in `hay`. */
const find = (hay: Uint8Array, needle: string) => Buffer.from(hay).indexOf(Buffer.from(needle, "hex"));

describe("rejections (DESIGN §2)", () => {
  it("accepts the unmutated file", async () => {
    expect(decodeValue("QemuFile", good).top).toHaveLength(2);
    expect((await readQemuFile([good])).top).toHaveLength(2);
  });

  it("rejects a file that does not start with 7f cd c5 51", async () => {
    const bytes = tlv("7fcdc552", int(3), tlv("30"));
    await rejectsBoth(bytes, { name: "QberDecodeError", offset: 0, path: "", message: /APPLICATION 1270482/ });
  });

  it("rejects bad tag encodings", async () => {
    // Long-form tag number with a leading zero group.
    await rejectsBoth(cat(hex("7f80cdc551"), hex("05"), int(3), tlv("30")), {
      name: "QberDecodeError",
      offset: 0,
      path: "",
      message: /leading zero|zero group/,
    });
    // Tag number 2 in long form.
    const longInt = file(secFull(str("t"), vmstate(cat(hex("1f0201"), Uint8Array.of(5)))));
    await rejectsBoth(longInt, { name: "QberDecodeError", offset: find(longInt, "1f020105"), path: "top[0].full.contents.vmstate[0]", message: /below 31/ });
  });

  it("rejects the reserved length octet and indefinite primitives", async () => {
    const reserved = file(secFull(str("t"), vmstate(hex("02ff05"))));
    await rejectsBoth(reserved, { name: "QberDecodeError", offset: find(reserved, "02ff05"), path: "top[0].full.contents.vmstate[0]", message: /reserved/ });
    const indefPrim = file(secFull(str("t"), vmstate(hex("0480 0000"))));
    await rejectsBoth(indefPrim, {
      name: "QberDecodeError",
      offset: find(indefPrim, "04800000"),
      path: "top[0].full.contents.vmstate[0]",
      message: /indefinite length on a primitive/,
    });
  });

  it("rejects a length past the enclosing value", async () => {
    // The INTEGER claims 3 content bytes inside a SEQUENCE that holds 2 after its header.
    const bytes = file(secFull(str("t"), cat(hex("3003"), hex("020305"))));
    await rejectsBoth(bytes, {
      name: "QberDecodeError",
      offset: find(bytes, "020305"),
      path: "top[0].full.contents.vmstate[0]",
      message: /past the end of its enclosing value/,
    });
  });

  it("rejects an unterminated indefinite value", async () => {
    // top is indefinite and the file ends after one section: incomplete.
    const sec = secFull(str("t"), vmstate());
    const bytes = cat(hex("7fcdc551 80"), int(3), hex("3080"), sec);
    await rejectsBoth(bytes, { name: "QberDecodeError", offset: bytes.length, path: "top", incomplete: true });
  });

  it("rejects wrong tags for the schema position", async () => {
    const bytes = file(secFull(str("t"), vmstate(tlv("0a", Uint8Array.of(1)))));
    await rejectsBoth(bytes, {
      name: "QberDecodeError",
      offset: find(bytes, "0a0101"),
      path: "top[0].full.contents.vmstate[0]",
      message: /expected a VMStateEntries/,
    });
    const page = file(secMin(block(tlv("02", Uint8Array.of(0x10)))));
    await rejectsBoth(page, {
      name: "QberDecodeError",
      offset: find(page, "020110"),
      path: "top[0].min.contents.ramsec[0].pagelist[0]",
      message: /expected a RAMPage/,
    });
  });

  it("rejects QemuString SIZE violations (1..255 UTF-8 bytes)", async () => {
    const empty = file(secFull(hex("0c00"), vmstate()));
    await rejectsBoth(empty, { name: "QberDecodeError", offset: find(empty, "0c00"), path: "top[0].full.name", message: /1 to 255/ });
    const long = file(secFull(tlv("0c", new Uint8Array(256).fill(0x61)), vmstate()));
    await rejectsBoth(long, { name: "QberDecodeError", offset: find(long, "0c820100"), path: "top[0].full.name", message: /256 bytes/ });
    const badUtf8 = file(secFull(tlv("0c", Uint8Array.of(0xc3)), vmstate()));
    await rejectsBoth(badUtf8, { name: "QberDecodeError", offset: find(badUtf8, "0c01c3"), path: "top[0].full.name", message: /UTF-8/ });
  });

  it("rejects FullPage data that is not a page", async () => {
    const bytes = file(secMin(block(tlv("7fc650", int(0), tlv("04", new Uint8Array(4095))))));
    const at = find(bytes, "04820fff");
    await rejectsBoth(bytes, { name: "QberDecodeError", offset: at, path: "top[0].min.contents.ramsec[0].pagelist[0].fullpage.data", message: /4095 bytes/ });
  });

  it("reads other page sizes as an extension, except in strict mode", async () => {
    const bytes = file(secMin(block(tlv("7fc650", int(0), tlv("04", new Uint8Array(8192))))));
    expect(decodeValue("QemuFile", bytes).top).toHaveLength(1);
    await rejectsBoth(
      bytes,
      { name: "QberDecodeError", offset: find(bytes, "04822000"), path: "top[0].min.contents.ramsec[0].pagelist[0].fullpage.data", message: /strict/ },
      { strict: true },
    );
  });

  it("rejects a version other than 3", async () => {
    const bytes = tlv("7fcdc551", int(4), tlv("30"));
    await rejectsBoth(bytes, { name: "QberDecodeError", offset: 5, path: "version", message: /unsupported version 4/ });
  });

  it("rejects a SecFull or SecMin without its SecEndMark", async () => {
    const full = file(secFull(str("t"), vmstate(), new Uint8Array(0)));
    const fullEnd = find(full, "7f8f53") + 3 + 1 + full[find(full, "7f8f53") + 3]!;
    await rejectsBoth(full, { name: "QberDecodeError", offset: fullEnd, path: "top[0].full", message: /SecFull without its SecEndMark/ });
    const min = file(tlv("7f8153", int(2), tlv("7fcc52")));
    await rejectsBoth(min, { name: "QberDecodeError", offset: min.length, path: "top[0].min", message: /SecMin without its SecEndMark/ });
  });

  it("rejects trailing data after the file", async () => {
    const bytes = cat(good, hex("00"));
    await rejectsBoth(bytes, { name: "QberDecodeError", offset: good.length, path: "", message: /trailing/ });
  });

  describe("strict mode rejects non-DER primitives", () => {
    const cases: [string, string, string, RegExp][] = [
      ["a long-form length", "02 8101 05", "top[0].full.contents.vmstate[0]", /shortest form/],
      ["a non-minimal INTEGER", "02 02 0005", "top[0].full.contents.vmstate[0]", /INTEGER not in its shortest form/],
      ["BOOLEAN TRUE as 0x01", "01 01 01", "top[0].full.contents.vmstate[0]", /0xff/],
      ["a constructed OCTET STRING", "24 80 0401aa 0000", "top[0].full.contents.vmstate[0].oldblob", /constructed/],
    ];
    for (const [what, entry, path, message] of cases) {
      it(what, async () => {
        const bytes = file(secFull(str("t"), vmstate(hex(entry))));
        expect(() => decodeValue("QemuFile", bytes)).not.toThrow();
        await rejectsBoth(bytes, { name: "QberDecodeError", offset: find(bytes, entry.replace(/\s/g, "")), path, message }, { strict: true });
      });
    }
  });

  it("enforces limits with QberLimitError", async () => {
    let nested = vmstate(int(1));
    for (let i = 0; i < 10; i++) nested = tlv("30", nested);
    const bytes = file(secFull(str("t"), vmstate(nested)));
    for (const decode of [() => decodeValue("QemuFile", bytes, { limits: { maxDepth: 8 } }), () => readQemuFile([bytes], { limits: { maxDepth: 8 } })]) {
      await expect(async () => decode()).rejects.toMatchObject({ name: "QberLimitError", limit: "nesting depth", max: 8 });
    }
    const many = file(secFull(str("t"), vmstate(int(1), int(2), int(3))));
    expect(() => decodeValue("QemuFile", many, { limits: { maxElementCount: 2 } })).toThrow(/element count 3 exceeds the limit of 2/);
    const blob = file(secFull(str("t"), vmstate(tlv("04", new Uint8Array(100)))));
    expect(() => decodeValue("QemuFile", blob, { limits: { maxElementLength: 99 } })).toThrow(/element length 100 exceeds the limit of 99/);
  });
});
