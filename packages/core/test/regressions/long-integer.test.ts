/**
 * Fuzz regression (tools/fuzz, target ber, inputs over the 1 s limit): a page
 * address INTEGER whose length a corruption made ~60 KB long was decoded by
 * shifting a BigInt one octet at a time (quadratic): about a second for one
 * page. Long INTEGERs now decode through their hex text.
 */
import { describe, expect, it } from "vitest";
import { decodeValue, encodeValue, isQberError, readSections } from "../../src/index.js";

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));

describe("regression: long INTEGERs", () => {
  it("decode in linear time and to the right value, positive and negative", () => {
    for (const value of [2n ** 520n + 12345n, -(2n ** 520n) - 7n, 2n ** 63n, -(2n ** 63n), 1n << 4000n]) {
      const der = encodeValue("SectionID", value);
      expect(decodeValue("SectionID", der)).toBe(value);
    }
  });

  it("a 200 KB page address is refused quickly (a typed error)", async () => {
    // QemuFile { version 3, top { SecMin { id 2, ramsec { { "pc.ram", [ compr page with a 200,000-octet address ] } } } } }
    const head = hex("7fcdc551 80 020103 3080 7f8153 80 020102 7fcc52 80 3080 0c06 70632e72616d 3080 40 83 030d40");
    const tail = hex("0000 0000 0000 5fd345 00 0000 0000");
    const input = new Uint8Array(head.length + 200_000 + tail.length);
    input.set(head);
    input.fill(0x5a, head.length, head.length + 200_000);
    input.set(tail, head.length + 200_000);
    const t0 = performance.now();
    let error: unknown;
    try {
      for await (const s of readSections(input)) {
        if (s.kind === "min") for await (const b of s.blocks) for await (const batch of b.pages) for (let i = 0; i < batch.length; i++) batch.page(i);
      }
    } catch (e) {
      error = e;
    }
    // A page address outside 64 bits is refused or read; either way, fast.
    if (error !== undefined) expect(isQberError(error), String(error)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});
