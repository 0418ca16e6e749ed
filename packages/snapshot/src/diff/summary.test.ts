import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type RamPage, SectionWriter } from "@qber/core";
import { xbzrleEncode } from "@qber/ram";
import { PAGE_FULL, PAGE_SIZE, PAGE_XBZRLE, pageDigest, summarizeSnapshot } from "./summary.js";

const page = (byte: number): Uint8Array => new Uint8Array(PAGE_SIZE).fill(byte);
const full = (n: number, data: Uint8Array): RamPage => ({ kind: "fullpage", addr: BigInt(n * PAGE_SIZE), data });
const delta = (n: number, from: Uint8Array, to: Uint8Array): RamPage => {
  const out = new Uint8Array(PAGE_SIZE);
  return { kind: "xbzrle", addr: BigInt(n * PAGE_SIZE), data: out.slice(0, xbzrleEncode(from, to, out)) };
};
const sha16 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(b).digest().subarray(0, 16));

/** A file with a 3000-page pc.ram block and one RAM iteration of `pages`. */
async function file(pages: readonly RamPage[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const w = new SectionWriter((c) => void parts.push(c.slice()));
  const len = BigInt(3000 * PAGE_SIZE);
  await w.writeSection({
    kind: "full",
    name: "ram",
    sectionId: 2n,
    instanceId: 0n,
    versionId: 4n,
    contents: { kind: "ramblid", value: { totalram: len, blocks: [{ name: "pc.ram", len }] } },
  });
  w.beginMin(2n);
  w.beginBlock("pc.ram");
  for (const p of pages) await w.writePage(p);
  w.endBlock();
  await w.endMin();
  await w.close();
  return new Uint8Array(Buffer.concat(parts));
}

describe("summarizeSnapshot's XBZRLE cache", () => {
  const a = page(1);
  const b = page(2);
  const c = page(3);
  const a2 = a.slice();
  a2.fill(9, 100, 120);

  it("drops the least recently written page: a page written again stays", async () => {
    // Budget of two pages: writing 0, 1, 0 again, then 2 drops page 1, not page 0.
    const bytes = await file([full(0, a), full(1, b), full(0, a), full(2, c), delta(0, a, a2)]);
    const s = await summarizeSnapshot(bytes, { xbzrleCacheBytes: 2 * PAGE_SIZE });
    const ram = s.ram[0]!;
    expect(ram.kinds[0]).toBe(PAGE_XBZRLE);
    expect(pageDigest(ram, 0)).toEqual(sha16(a2));
    expect(ram.kinds[2]).toBe(PAGE_FULL);
    expect(pageDigest(ram, 2)).toEqual(sha16(c));

    const dropped = await file([full(0, a), full(1, b), full(0, a), full(2, c), delta(1, b, a2)]);
    await expect(summarizeSnapshot(dropped, { xbzrleCacheBytes: 2 * PAGE_SIZE })).rejects.toThrow(/dropped to keep within the XBZRLE cache/);
  });

  it("applies deltas in a long run of writes through a small cache", async () => {
    // Many more writes than the cache holds, each page rewritten by a delta right after.
    const base = (n: number): Uint8Array => page(n & 0xff);
    const next = (n: number): Uint8Array => {
      const p = base(n);
      p[n % PAGE_SIZE] = (n & 0xff) ^ 0xff;
      return p;
    };
    const pages: RamPage[] = [];
    for (let n = 0; n < 3000; n++) pages.push(full(n, base(n)), delta(n, base(n), next(n)));
    const s = await summarizeSnapshot(await file(pages), { xbzrleCacheBytes: 4 * PAGE_SIZE });
    const ram = s.ram[0]!;
    for (const n of [0, 1234, 2999]) expect(pageDigest(ram, n)).toEqual(sha16(next(n)));
  });
});
