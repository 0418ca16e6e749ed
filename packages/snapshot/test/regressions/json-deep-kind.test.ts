/**
 * Fuzz regression (npm run fuzz, target json, seed 20261127, index 4243): a
 * page `kind` (or an entry's or a section's contents kind) holding a deeply
 * nested value made encodeFromJson overflow the stack while writing its
 * error message: a RangeError instead of the typed QberEncodeError. Error
 * messages now show arrays and objects by what they are, and strings cut short.
 */
import { describe, expect, it } from "vitest";
import { discardSink, isQberError } from "@qber/core";
import { encodeFromJson } from "../../src/index.js";

async function* text(s: string): AsyncGenerator<Uint8Array> {
  yield new Uint8Array(Buffer.from(s, "utf8"));
}

const deep = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
const head = `{"format":"qber-json","formatVersion":1,"framing":"indefinite","sections":[`;

describe("regression: deeply nested kinds", () => {
  it.each([
    [
      "a page kind",
      `{"type":"min","id":"2","lengths":"indefinite","blocks":[{"name":"pc.ram","pages":[{"kind":${deep},"addr":"0x0"}]}]}`,
      /unknown page kind \(an object\)/,
    ],
    [
      "an entry's kind",
      `{"type":"full","name":"timer","id":"1","instance":"0","version":"2","contents":{"vmstate":[{"x":${deep}}]}}`,
      /unknown entry kind "x"/,
    ],
    [
      "a long contents kind",
      `{"type":"full","name":"timer","id":"1","instance":"0","version":"2","contents":{"${"k".repeat(100_000)}":1}}`,
      /unknown contents kind "k{40}\.\.\."/,
    ],
  ])("%s is refused with a QberEncodeError", async (_name, section, message) => {
    const e = await encodeFromJson(text(`${head}${section}]}`), discardSink).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isQberError(e, "QberEncodeError"), String(e)).toBe(true);
    expect((e as Error).message).toMatch(message);
  });
});
