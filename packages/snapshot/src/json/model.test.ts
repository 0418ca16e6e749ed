import { describe, expect, it } from "vitest";
import { bytesOf } from "./model.js";

describe("bytesOf", () => {
  it("decodes hex byte pairs, either case", () => {
    expect(bytesOf("00aBfF", "x")).toEqual(new Uint8Array([0x00, 0xab, 0xff]));
    expect(bytesOf("", "x")).toEqual(new Uint8Array(0));
  });

  it.each(["a", "abc", "0g", "g0", " 0", "ab\n", "\u0161b", "a\u0161", "\u0130\u0130", "\u0660\u0661", "ab\ud83d\ude00"])("refuses %j", (hex) => {
    expect(() => bytesOf(hex, "sections[3].data")).toThrow(/expected a string of hex byte pairs in sections\[3\]\.data/);
  });

  it("refuses what is not a string", () => {
    expect(() => bytesOf(12, "x")).toThrow(/hex byte pairs/);
  });
});
