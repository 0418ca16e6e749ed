/**
 * Fuzz regression (tools/fuzz, target json): a `formatVersion` holding a
 * deeply nested value made encodeFromJson overflow the stack while writing
 * its error message (JSON.stringify of the value): a RangeError instead of
 * the typed QberEncodeError.
 */
import { describe, expect, it } from "vitest";
import { discardSink, isQberError } from "@qber/core";
import { encodeFromJson } from "../../src/index.js";

async function* text(s: string): AsyncGenerator<Uint8Array> {
  yield new Uint8Array(Buffer.from(s, "utf8"));
}

describe("regression: deeply nested formatVersion", () => {
  for (const [name, deep] of [
    ["arrays", `${"[".repeat(200_000)}1${"]".repeat(200_000)}`],
    ["objects", `${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)}`],
  ] as const) {
    it(`is refused with a QberEncodeError (${name})`, async () => {
      const json = `{"format":"qber-json","formatVersion":${deep},"framing":"indefinite","sections":[]}`;
      const e = await encodeFromJson(text(json), discardSink).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(isQberError(e, "QberEncodeError"), String(e)).toBe(true);
      expect((e as Error).message).toMatch(/formatVersion \(an? (array|object)\) is not supported/);
    });
  }
});
