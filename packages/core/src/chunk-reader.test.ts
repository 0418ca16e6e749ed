import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkReader } from "./chunk-reader.js";

const bytes = (from: number, length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (from + i) & 0xff);

describe("ChunkReader", () => {
  it("reads on in the next chunk itself once a bridge's bytes from the chunk before are consumed", async () => {
    const first = bytes(0, 100);
    const second = bytes(100, 100);
    const r = new ChunkReader([first, second]);
    await r.ensure(1);
    r.pos = 95;
    expect(await r.ensure(8)).toBe(true); // straddles: a bridge of 95..103
    expect(r.buf.length).toBe(8);
    r.pos += 5; // a record of 5 bytes: now at 100, the start of the second chunk
    expect(await r.ensure(10)).toBe(true);
    expect(r.buf).toBe(second);
    expect(r.pos).toBe(0);
    expect(r.offset).toBe(100);
  });

  it("gives the input's bytes at every offset, however it is chunked and read", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 60 })), { minLength: 1, maxLength: 80 }),
        async (sizes, reads) => {
          const total = sizes.reduce((a, b) => a + b, 0);
          const input = bytes(7, total);
          const chunks: Uint8Array[] = [];
          for (let at = 0, i = 0; i < sizes.length; at += sizes[i]!, i++) chunks.push(input.slice(at, at + sizes[i]!));
          const r = new ChunkReader(chunks);
          for (const [ask, consume] of reads) {
            const at = r.offset;
            const ok = await r.ensure(ask);
            expect(ok).toBe(at + ask <= total);
            expect(r.offset).toBe(at);
            const have = Math.min(ask, total - at);
            expect(r.buf.subarray(r.pos, r.pos + have)).toEqual(input.subarray(at, at + have));
            r.pos += Math.min(consume, have);
          }
        },
      ),
      { seed: 0x0c4c, numRuns: 300 },
    );
  });
});
