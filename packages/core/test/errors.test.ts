/**
 * Every qber error says what is wrong (`reason`) apart from where (`offset`,
 * `path`), so callers never take a message apart; all share the exported
 * base type.
 */
import { describe, expect, it } from "vitest";
import {
  QberDecodeError,
  QberEncodeError,
  QberError,
  QberLimitError,
  decodeStreamInfo,
  decodeValue,
  encodeStreamInfo,
  isQberError,
  readQemuFile,
} from "../src/index.js";

async function caught(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error("did not throw");
}

describe("QberError", () => {
  it("every kind has reason, offset, path and expected; the message is the reason and where", () => {
    const errors: QberError[] = [
      new QberDecodeError("bad tag", { offset: 12, path: ["top", 3, "full"], expected: "a SecFull" }),
      new QberDecodeError("a length", { offset: 7, incomplete: true }),
      new QberLimitError("nesting depth", 65, 64, { offset: 9, path: ["top"] }),
      new QberEncodeError("addr must be a bigint", { path: ["top", 0, "min"] }),
      new QberEncodeError("no location"),
    ];
    const reasons = [
      "bad tag (expected a SecFull)",
      "truncated input: a length",
      "nesting depth 65 exceeds the limit of 64",
      "addr must be a bigint",
      "no location",
    ];
    const wheres = [" at byte 12 in top[3].full", " at byte 7", " at byte 9 in top", " in top[0].min", ""];
    errors.forEach((e, i) => {
      expect(e).toBeInstanceOf(QberError);
      expect(e).toBeInstanceOf(Error);
      expect(isQberError(e)).toBe(true);
      expect(e.reason).toBe(reasons[i]);
      expect(e.message).toBe(`${reasons[i]}${wheres[i]}`);
    });
    expect(errors.map((e) => e.offset)).toEqual([12, 7, 9, undefined, undefined]);
    expect(errors.map((e) => e.path)).toEqual(["top[3].full", "", "top", "top[0].min", ""]);
    expect(errors[0]!.expected).toBe("a SecFull");
  });

  it("errors from the reader carry the reason without the location", async () => {
    const e = await caught(() => decodeValue("QemuFile", Uint8Array.of(0x7f, 0xcd, 0xc5, 0x51, 0x80, 0x02, 0x01, 0x03)));
    expect(isQberError(e, "QberDecodeError")).toBe(true);
    const d = e as QberDecodeError;
    expect(d.incomplete).toBe(true);
    expect(d.reason.startsWith("truncated input: ")).toBe(true);
    expect(d.message.startsWith(d.reason)).toBe(true);
    expect(d.reason).not.toMatch(/at byte/);
    const r = await caught(() => readQemuFile([Uint8Array.of(0x30, 0x00)]));
    expect(r).toBeInstanceOf(QberError);
    expect((r as QberError).reason).not.toMatch(/at byte/);
  });

  it("a qemu:stream record that is not what qber writes is a QberDecodeError", async () => {
    expect(decodeStreamInfo(encodeStreamInfo({ footers: true }))).toEqual({ footers: true });
    for (const text of ["not json", "null", '{"footers": 1}']) {
      const e = await caught(() => decodeStreamInfo(new TextEncoder().encode(text)));
      expect(isQberError(e, "QberDecodeError"), String(e)).toBe(true);
    }
  });
});
