/**
 * Fuzz regression (tools/fuzz, target ber): a RAM page whose length octets
 * claim 2^40 bytes made ChunkReader.ensure allocate its bridge buffer at the
 * claimed size, throwing a RangeError ("Invalid typed array length") instead
 * of a typed error; smaller claims (up to the limits) allocated that much
 * memory for a few bytes of input.
 */
import { describe, expect, it } from "vitest";
import { ChunkReader, isQberError, readSections } from "../../src/index.js";

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));

// QemuFile { version 3, top { SecMin { id 2, ramsec { { "pc.ram", [ compr page 40 86 0100000000 00 ... ] } } } } }
const HUGE_PAGE_LENGTH = hex(`
  7fcdc551 80 020103 3080
    7f8153 80 020102 7fcc52 80
      3080 0c06 70632e72616d 3080
        40 86 010000000000 1000
      0000 0000
    0000 5fd345 00
  0000 0000`);

async function readAll(source: Uint8Array | Uint8Array[]): Promise<void> {
  for await (const s of readSections(source)) {
    if (s.kind !== "min") continue;
    for await (const b of s.blocks) for await (const batch of b.pages) void batch.length;
  }
}

describe("regression: a length claiming more than the input", () => {
  it("is a typed error, not a RangeError, in one chunk or many", async () => {
    for (const source of [HUGE_PAGE_LENGTH, [HUGE_PAGE_LENGTH.subarray(0, 40), HUGE_PAGE_LENGTH.subarray(40)]]) {
      const e = await readAll(source).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(isQberError(e), String(e)).toBe(true);
    }
  });

  it("ChunkReader.ensure of 2^40 bytes over a short input returns false and keeps what is there", async () => {
    const r = new ChunkReader([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])]);
    expect(await r.ensure(2 ** 40)).toBe(false);
    expect([...r.buf.subarray(r.pos)]).toEqual([1, 2, 3, 4, 5]);
  });

  it("ChunkReader.ensure across many chunks still bridges exactly", async () => {
    const chunks = Array.from({ length: 300 }, (_, i) => new Uint8Array(1000).fill(i & 0xff));
    const r = new ChunkReader(chunks);
    expect(await r.ensure(1)).toBe(true);
    expect(await r.ensure(250_000)).toBe(true);
    expect(r.buf.length - r.pos).toBe(250_000);
    expect(r.buf[r.pos + 249_999]).toBe(249);
    expect(await r.skip(250_000)).toBe(true);
    expect(await r.ensure(50_000)).toBe(true);
    expect(r.buf[r.pos]).toBe(250);
  });
});
