/**
 * Property: a snapshot composed by the RAM iterator over several passes
 * (random blocks, random dirty sets and changes: pages that become zero,
 * stay identical, change a little (XBZRLE) or completely (XBZRLE overflow))
 * reconstructs to the final images, whether the passes are given dirty sets
 * or previous images, with or without XBZRLE, with caches small enough to
 * collide.
 */
import { PassThrough } from "node:stream";
import { type StreamedSection, SectionWriter, readQemuFile, readSections } from "@qber/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RamIterator, type RamPassStats } from "../src/ram-iterator.js";
import { bufferRamSource } from "../src/ram-source.js";
import { memorySinks, reconstructRam } from "../src/reconstruct.js";
import { prng } from "@qber/test-support";

const PAGE = 4096;

/** What happens to one page in one pass. */
type Change = "keep" | "zero" | "small" | "words" | "random" | "restore";

const change: fc.Arbitrary<Change> = fc.constantFrom<Change>("keep", "keep", "zero", "small", "small", "words", "random", "restore", "restore");

interface Spec {
  readonly blocks: readonly number[];
  readonly seed: number;
  /** Per pass after the first: a change per page of every block (flattened), and extra clean pages marked dirty. */
  readonly passes: readonly { readonly changes: readonly Change[]; readonly extraDirty: readonly boolean[]; readonly byDiff: boolean }[];
  readonly xbzrle: false | number;
  readonly maxPagesPerSection: number;
}

const spec: fc.Arbitrary<Spec> = fc
  .record({
    blocks: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    passCount: fc.integer({ min: 1, max: 5 }),
    xbzrle: fc.oneof(fc.constant<false>(false), fc.constantFrom(PAGE, 2 * PAGE, 3 * PAGE, 8 * PAGE, 1 << 20)),
    maxPagesPerSection: fc.constantFrom(1, 3, 65536),
  })
  .chain((r) => {
    const total = r.blocks.reduce((a, b) => a + b, 0);
    const pass = fc.record({
      changes: fc.array(change, { minLength: total, maxLength: total }),
      extraDirty: fc.array(fc.boolean(), { minLength: total, maxLength: total }),
      byDiff: fc.boolean(),
    });
    return fc.record({
      blocks: fc.constant(r.blocks),
      seed: fc.constant(r.seed),
      passes: fc.array(pass, { minLength: r.passCount - 1, maxLength: r.passCount - 1 }),
      xbzrle: fc.constant(r.xbzrle),
      maxPagesPerSection: fc.constant(r.maxPagesPerSection),
    });
  });

function applyChange(page: Uint8Array, c: Change, rnd: () => number, history: Uint8Array[]): void {
  switch (c) {
    case "keep":
      return;
    case "zero":
      page.fill(0);
      return;
    case "small": {
      const n = 1 + (rnd() % 8);
      for (let k = 0; k < n; k++) page[rnd() % PAGE] = rnd();
      return;
    }
    case "words": {
      // Changes every other word: a long payload, often past a page (overflow).
      const stride = 2 + (rnd() % 3);
      for (let i = 0; i < PAGE; i += stride * 4) page[i] = (page[i]! + 1) & 0xff;
      return;
    }
    case "random":
      for (let i = 0; i < PAGE; i++) page[i] = rnd();
      return;
    case "restore": {
      // An earlier version of this page: often exactly what the sender's cache holds.
      const old = history.length > 1 ? history[history.length - 2 - (rnd() % Math.min(2, history.length - 1))]! : undefined;
      if (old) page.set(old);
      return;
    }
  }
}

interface Composed {
  readonly bytes: Uint8Array;
  readonly images: Map<string, Uint8Array>;
  readonly stats: RamPassStats[];
}

async function compose(s: Spec): Promise<Composed> {
  const rnd = prng(s.seed);
  const names = s.blocks.map((_, i) => (i === 0 ? "pc.ram" : `/rom@etc/block${i}`));
  const images = s.blocks.map((pages) => {
    const img = new Uint8Array(pages * PAGE);
    // Some zero pages, some random ones from the start.
    for (let p = 0; p < pages; p++) if (rnd() % 3 !== 0) for (let i = p * PAGE; i < (p + 1) * PAGE; i++) img[i] = rnd();
    return img;
  });
  // Every version of every page, by block and page.
  const history = images.map((img, b) => Array.from({ length: s.blocks[b]! }, (_, p) => [img.slice(p * PAGE, (p + 1) * PAGE)]));
  const chunks: Uint8Array[] = [];
  const writer = new SectionWriter((c) => void chunks.push(c.slice()), { chunkSize: 4096 });
  const it = new RamIterator(
    writer,
    names.map((n, b) => bufferRamSource(n, images[b]!)),
    {
      xbzrle: s.xbzrle === false ? false : { cacheSize: s.xbzrle },
      maxPagesPerSection: s.maxPagesPerSection,
      readPages: 2,
    },
  );
  const stats = [await it.start()];
  for (const pass of s.passes) {
    const previous = pass.byDiff ? names.map((n, b) => bufferRamSource(n, images[b]!.slice())) : undefined;
    const dirty = new Map<string, number[]>();
    let k = 0;
    images.forEach((img, b) => {
      const list: number[] = [];
      for (let p = 0; p < s.blocks[b]!; p++, k++) {
        const c = pass.changes[k]!;
        const page = img.subarray(p * PAGE, (p + 1) * PAGE);
        const versions = history[b]![p]!;
        applyChange(page, c, rnd, versions);
        if (c !== "keep" || pass.extraDirty[k]) list.push(p);
        if (c !== "keep") versions.push(page.slice());
      }
      // Unsorted and with duplicates: the iterator sorts them.
      dirty.set(names[b]!, [...list.reverse(), ...list.slice(0, 1)]);
    });
    stats.push(await it.nextPass(previous ? { previous } : { dirty }));
  }
  await writer.close();
  const bytes = Buffer.concat(chunks);
  return { bytes, images: new Map(names.map((n, b) => [n, images[b]!])), stats };
}

describe("multi-pass RAM snapshots", () => {
  it("reconstruct to the final images", async () => {
    const totals = { xbzrle: 0, overflow: 0, skipped: 0, compr: 0, cacheMiss: 0 };
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        const { bytes, images, stats } = await compose(s);
        const sinks = memorySinks();
        const result = await reconstructRam(bytes, sinks);
        expect(result.blocks.map((b) => b.name)).toEqual([...images.keys()]);
        for (const [name, img] of images) expect(Buffer.compare(sinks.images.get(name)!, img)).toBe(0);
        for (const st of stats.slice(1)) {
          totals.xbzrle += st.xbzrle;
          totals.overflow += st.overflow;
          totals.skipped += st.skipped;
          totals.compr += st.compr;
          totals.cacheMiss += st.cacheMiss;
        }
        // What the iterator says it sent is what the stream holds.
        const sent = stats.reduce((a, st) => a + st.compr + st.fullpage + st.xbzrle, 0);
        expect(result.stats.compr + result.stats.fullpage + result.stats.xbzrle).toBe(sent);
        expect(result.stats.xbzrle).toBe(stats.reduce((a, st) => a + st.xbzrle, 0));
      }),
      { numRuns: 150 },
    );
    // The generators reach every case the sender has.
    expect(totals.xbzrle).toBeGreaterThan(0);
    expect(totals.overflow).toBeGreaterThan(0);
    expect(totals.skipped).toBeGreaterThan(0);
    expect(totals.compr).toBeGreaterThan(0);
    expect(totals.cacheMiss).toBeGreaterThan(0);
  });

  it("reconstruct the same from readSections, PageBatches and a pipe", async () => {
    await fc.assert(
      fc.asyncProperty(spec, fc.integer({ min: 1, max: 64 }), async (s, batchSize) => {
        const { bytes, images } = await compose(s);
        // Sections already being read, in small batches and small chunks.
        const chunks: Uint8Array[] = [];
        for (let at = 0; at < bytes.length; at += 1000) chunks.push(bytes.subarray(at, at + 1000));
        const sections: AsyncIterable<StreamedSection> = readSections(chunks, undefined, { batchSize });
        const a = memorySinks();
        await reconstructRam(sections, a);
        // Chunks through a stream.
        const pipe = new PassThrough();
        pipe.end(Buffer.from(bytes));
        const b = memorySinks();
        await reconstructRam(pipe, b);
        for (const [name, img] of images) {
          expect(Buffer.compare(a.images.get(name)!, img)).toBe(0);
          expect(Buffer.compare(b.images.get(name)!, img)).toBe(0);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("sends only what QEMU sends: no xbzrle without a cache, no page twice in a section, no empty blocks", async () => {
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        const { bytes } = await compose(s);
        const file = await readQemuFile(bytes);
        for (const sec of file.top) {
          if (sec.kind !== "min") continue;
          const seen = new Set<string>();
          for (const blk of sec.contents.value) {
            expect(blk.pages.length).toBeGreaterThan(0);
            for (const p of blk.pages) {
              if (p.kind === "hook") continue;
              if (s.xbzrle === false) expect(p.kind).not.toBe("xbzrle");
              const key = `${blk.name}:${p.addr}`;
              expect(seen.has(key)).toBe(false);
              seen.add(key);
            }
          }
        }
        expect(file.top[0]).toMatchObject({ kind: "full", name: "ram", sectionId: 2n, instanceId: 0n, versionId: 4n });
      }),
      { numRuns: 30 },
    );
  });
});
