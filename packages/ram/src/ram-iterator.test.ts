import { type QemuFile, type RamPage, SectionWriter, readQemuFile } from "@qber/core";
import { describe, expect, it } from "vitest";
import { RamIterator, type RamIteratorOptions, composeRam } from "./ram-iterator.js";
import { bufferRamSource, generatedRamSource } from "./ram-source.js";
import { xbzrleDecode } from "./xbzrle.js";
import { prng } from "@qber/test-support";

const PAGE = 4096;

function filled(byte: number): Uint8Array {
  return new Uint8Array(PAGE).fill(byte);
}

function random(seed: number): Uint8Array {
  const next = prng(seed);
  return Uint8Array.from({ length: PAGE }, next);
}

/** A block of `pages` pages over one buffer; `set(i, page)` changes page i. */
function block(pages: Uint8Array[]) {
  const bytes = new Uint8Array(pages.length * PAGE);
  pages.forEach((p, i) => bytes.set(p, i * PAGE));
  return {
    bytes,
    set(i: number, page: Uint8Array) {
      bytes.set(page, i * PAGE);
    },
    page(i: number) {
      return bytes.slice(i * PAGE, (i + 1) * PAGE);
    },
  };
}

class Recorder {
  private readonly chunks: Uint8Array[] = [];
  readonly writer = new SectionWriter((c) => void this.chunks.push(c.slice()), { chunkSize: 1024 });
  async file(): Promise<QemuFile> {
    await this.writer.close();
    return readQemuFile(Buffer.concat(this.chunks));
  }
}

/** Each SecMin's pages as `kind@block:page`. */
/** Page `k` of RAMSecBlock 0 of section `i`. */
function pageAt(file: QemuFile, i: number, k: number): RamPage {
  const s = file.top[i];
  if (s?.kind !== "min") throw new Error(`section ${i} is not a SecMin`);
  return s.contents.value[0]!.pages[k]!;
}

function bytesOf(p: RamPage): Uint8Array {
  if (p.kind !== "fullpage" && p.kind !== "xbzrle") throw new Error(`${p.kind} has no data`);
  return p.data;
}

function summary(file: QemuFile): string[][] {
  return file.top.flatMap((s) =>
    s.kind === "min"
      ? [s.contents.value.flatMap((b) => b.pages.map((p: RamPage) => (p.kind === "hook" ? "hook" : `${p.kind}@${b.name}:${Number(p.addr) / PAGE}`)))]
      : [],
  );
}

async function run(opts: RamIteratorOptions, setup: (it: RamIterator) => Promise<void>): Promise<QemuFile> {
  const r = new Recorder();
  await setup(new RamIterator(r.writer, [], opts));
  return r.file();
}

describe("RamIterator", () => {
  it("writes the setup section and a first pass of compr and fullpage", async () => {
    const a = block([filled(1), filled(0), random(3)]);
    const r = new Recorder();
    const it1 = new RamIterator(r.writer, [bufferRamSource("pc.ram", a.bytes), bufferRamSource("/rom@etc/acpi/tables", new Uint8Array(PAGE))], {
      sectionId: 7,
    });
    const stats = await it1.start();
    expect(stats).toMatchObject({ pass: 1, pages: 4, compr: 2, fullpage: 2, xbzrle: 0, sections: 1 });
    const file = await r.file();
    expect(file.top[0]).toEqual({
      kind: "full",
      name: "ram",
      sectionId: 7n,
      instanceId: 0n,
      versionId: 4n,
      contents: {
        kind: "ramblid",
        value: {
          totalram: 4n * 4096n,
          blocks: [
            { name: "pc.ram", len: 3n * 4096n },
            { name: "/rom@etc/acpi/tables", len: 4096n },
          ],
        },
      },
    });
    expect(file.top[1]).toMatchObject({ kind: "min", sectionId: 7n });
    expect(summary(file)).toEqual([["fullpage@pc.ram:0", "compr@pc.ram:1", "fullpage@pc.ram:2", "compr@/rom@etc/acpi/tables:0"]]);
    expect(Buffer.compare(bytesOf(pageAt(file, 1, 2)), random(3))).toBe(0);
  });

  it("follows QEMU's XBZRLE rules pass by pass", async () => {
    const a = block([random(1), filled(0), random(2), random(3)]);
    const r = new Recorder();
    const it1 = new RamIterator(r.writer, [bufferRamSource("pc.ram", a.bytes)]);
    await it1.start();
    // Pass 2: nothing is cached yet (the first pass does not fill the cache):
    // an unchanged dirty page is a miss and goes whole; a page turned zero is compr.
    a.set(1, random(4));
    a.set(2, filled(0));
    expect(await it1.nextPass({ dirty: { "pc.ram": [0, 1, 2] } })).toMatchObject({ pass: 2, cacheMiss: 2, fullpage: 2, compr: 1, xbzrle: 0, skipped: 0 });
    // Pass 3: a small change is a delta, an identical page is not sent, the
    // zero page is compr again, a page never cached is a miss.
    const p0 = a.page(0);
    p0[100] = p0[100]! ^ 0xff;
    a.set(0, p0);
    const s3 = await it1.nextPass({ dirty: { "pc.ram": [3, 2, 1, 0] } });
    expect(s3).toMatchObject({ pass: 3, xbzrle: 1, skipped: 1, compr: 1, cacheMiss: 1, fullpage: 1 });
    // Pass 4: a page changed throughout overflows and goes whole; the page
    // cached as zeros (pass 2) is delta-encoded against zeros.
    a.set(0, random(9));
    const p2 = filled(0);
    p2[5] = 1;
    a.set(2, p2);
    expect(await it1.nextPass({ dirty: { "pc.ram": [0, 2] } })).toMatchObject({ xbzrle: 1, overflow: 1, fullpage: 1, cacheMiss: 0 });
    // Pass 5: the overflowed page was cached as sent: a small change is a delta again.
    const p0b = a.page(0);
    p0b[4000] = p0b[4000]! ^ 1;
    a.set(0, p0b);
    expect(await it1.nextPass({ dirty: { "pc.ram": [0] } })).toMatchObject({ xbzrle: 1, fullpage: 0 });
    const file = await r.file();
    expect(summary(file)).toEqual([
      ["fullpage@pc.ram:0", "compr@pc.ram:1", "fullpage@pc.ram:2", "fullpage@pc.ram:3"],
      ["fullpage@pc.ram:0", "fullpage@pc.ram:1", "compr@pc.ram:2"],
      ["xbzrle@pc.ram:0", "compr@pc.ram:2", "fullpage@pc.ram:3"],
      ["fullpage@pc.ram:0", "xbzrle@pc.ram:2"],
      ["xbzrle@pc.ram:0"],
    ]);
    // The delta of pass 3 turns the page sent in pass 2 into the new one.
    const page = random(1);
    xbzrleDecode(bytesOf(pageAt(file, 3, 0)), page);
    expect(Buffer.compare(page, p0)).toBe(0);
  });

  it("keeps a fresh cache entry for two cycles before another page takes its slot", async () => {
    // One slot: pages 0 and 1 collide.
    const a = block([random(1), random(2)]);
    const r = new Recorder();
    const it1 = new RamIterator(r.writer, [bufferRamSource("pc.ram", a.bytes)], { xbzrle: { cacheSize: PAGE + 100 } });
    await it1.start();
    const bump = (i: number) => {
      const p = a.page(i);
      p[i + 10] = p[i + 10]! ^ 0x55;
      a.set(i, p);
    };
    // Pass 2: page 0 takes the slot (age 2); page 1 is refused.
    bump(0);
    bump(1);
    expect(await it1.nextPass({ dirty: { "pc.ram": [0, 1] } })).toMatchObject({ cacheMiss: 2, fullpage: 2 });
    // Pass 3: still fresh (2 + 2 > 3): page 1 misses and is not inserted.
    bump(1);
    expect(await it1.nextPass({ dirty: { "pc.ram": [1] } })).toMatchObject({ cacheMiss: 1, fullpage: 1 });
    // Pass 4: 2 + 2 > 4 no longer: page 1 replaces page 0.
    bump(1);
    expect(await it1.nextPass({ dirty: { "pc.ram": [1] } })).toMatchObject({ cacheMiss: 1, fullpage: 1 });
    // Pass 5: page 1 hits; page 0 misses, and the hit just refreshed the slot.
    bump(1);
    bump(0);
    expect(await it1.nextPass({ dirty: { "pc.ram": [0, 1] } })).toMatchObject({ xbzrle: 1, cacheMiss: 1, fullpage: 1 });
    // Pass 7: page 1 was last used in pass 5; now page 0 may take the slot.
    await it1.nextPass({ dirty: {} });
    bump(0);
    expect(await it1.nextPass({ dirty: { "pc.ram": [0] } })).toMatchObject({ cacheMiss: 1, pass: 7 });
    bump(0);
    expect(await it1.nextPass({ dirty: { "pc.ram": [0] } })).toMatchObject({ xbzrle: 1, pass: 8 });
    await r.file();
  });

  it("keys the cache by one address space over all blocks", async () => {
    // Two one-page blocks, a two-slot cache: the second block's page is
    // address 4096, slot 1, so both stay cached.
    const a = block([random(1)]);
    const b = block([random(2)]);
    const r = new Recorder();
    const it1 = new RamIterator(r.writer, [bufferRamSource("a", a.bytes), bufferRamSource("b", b.bytes)], { xbzrle: { cacheSize: 2 * PAGE } });
    await it1.start();
    await it1.nextPass();
    a.bytes[0] = a.bytes[0]! ^ 1;
    b.bytes[0] = b.bytes[0]! ^ 1;
    expect(await it1.nextPass()).toMatchObject({ xbzrle: 2, pages: 2 });
    expect(summary(await r.file())[2]).toEqual(["xbzrle@a:0", "xbzrle@b:0"]);
  });

  it("sends dirty pages whole without XBZRLE", async () => {
    const a = block([random(1), random(2)]);
    const file = await run({}, async () => undefined);
    expect(file.top).toEqual([]);
    const r = new Recorder();
    const it1 = new RamIterator(r.writer, [bufferRamSource("pc.ram", a.bytes)], { xbzrle: false });
    await it1.start();
    for (let k = 0; k < 3; k++) {
      a.bytes[10] = k;
      expect(await it1.nextPass({ dirty: { "pc.ram": [0, 1] } })).toMatchObject({ fullpage: 2, xbzrle: 0 });
    }
    expect(
      summary(await r.file())
        .slice(1)
        .flat()
        .every((s) => s.startsWith("fullpage")),
    ).toBe(true);
  });

  it("finds dirty pages by diffing against previous contents", async () => {
    const a = block([random(1), random(2), filled(0), random(3)]);
    const r = new Recorder();
    const it1 = new RamIterator(r.writer, [bufferRamSource("pc.ram", a.bytes)], { readPages: 3 });
    await it1.start();
    const before = bufferRamSource("pc.ram", a.bytes.slice());
    a.bytes[PAGE + 1] = a.bytes[PAGE + 1]! ^ 1;
    a.bytes[3 * PAGE + 1] = a.bytes[3 * PAGE + 1]! ^ 1;
    expect(await it1.nextPass({ previous: [before] })).toMatchObject({ pages: 2, fullpage: 2 });
    // New contents as a new source; the previous one is the old buffer.
    const next = a.bytes.slice();
    next[PAGE + 2] = next[PAGE + 2]! ^ 1;
    next.fill(0, 0, PAGE);
    expect(await it1.nextPass({ sources: [bufferRamSource("pc.ram", next)], previous: [bufferRamSource("pc.ram", a.bytes)] })).toMatchObject({
      pages: 2,
      xbzrle: 1,
      compr: 1,
    });
    expect(summary(await r.file()).slice(1)).toEqual([
      ["fullpage@pc.ram:1", "fullpage@pc.ram:3"],
      ["compr@pc.ram:0", "xbzrle@pc.ram:1"],
    ]);
  });

  it("splits long passes into SecMins and starts a RAMSecBlock per block run", async () => {
    const gen = (seed: number) => (i: number, page: Uint8Array) => {
      if (i % 3 !== 0) page[i % PAGE] = seed + i;
    };
    const r = new Recorder();
    const stats = await composeRam(r.writer, [generatedRamSource("a", 5 * PAGE, gen(1)), generatedRamSource("b", 2 * PAGE, gen(2))], [], {
      maxPagesPerSection: 3,
      readPages: 2,
    });
    expect(stats[0]).toMatchObject({ pages: 7, sections: 3 });
    const file = await r.file();
    const mins = file.top.filter((s) => s.kind === "min");
    expect(mins.map((m) => m.contents.value.map((b) => `${b.name}:${b.pages.length}`))).toEqual([["a:3"], ["a:2", "b:1"], ["b:1"]]);
  });

  it("sorts and deduplicates dirty pages and writes nothing for an empty pass", async () => {
    const a = block([random(1), random(2), random(3)]);
    const r = new Recorder();
    const it1 = new RamIterator(r.writer, [bufferRamSource("pc.ram", a.bytes)], { xbzrle: false });
    await it1.start();
    expect(await it1.nextPass({ dirty: new Map([["pc.ram", new Set([2, 0])]]) })).toMatchObject({ pages: 2 });
    expect(await it1.nextPass({ dirty: { "pc.ram": [1, 1, 1] } })).toMatchObject({ pages: 1 });
    expect(await it1.nextPass({ dirty: {} })).toMatchObject({ pages: 0, sections: 0 });
    expect(summary(await r.file()).slice(1)).toEqual([["fullpage@pc.ram:0", "fullpage@pc.ram:2"], ["fullpage@pc.ram:1"]]);
  });

  it("rejects misuse", async () => {
    const src = bufferRamSource("pc.ram", new Uint8Array(2 * PAGE));
    const w = () => new SectionWriter(() => undefined);
    expect(() => new RamIterator(w(), [src, src])).toThrow(/twice/);
    expect(() => new RamIterator(w(), [src], { xbzrle: { cacheSize: 100 } })).toThrow(RangeError);
    const it1 = new RamIterator(w(), [src]);
    await expect(it1.firstPass()).rejects.toThrow(/setup/);
    await expect(it1.nextPass()).rejects.toThrow(/first pass/);
    await it1.start();
    await expect(it1.setup()).rejects.toThrow(/already/);
    await expect(it1.firstPass()).rejects.toThrow(/already/);
    await expect(it1.nextPass({ dirty: { "pc.rom": [0] } })).rejects.toThrow(/unknown RAM block pc.rom/);
    await expect(it1.nextPass({ dirty: { "pc.ram": [2] } })).rejects.toThrow(/outside/);
    await expect(it1.nextPass({ dirty: { "pc.ram": [0.5] } })).rejects.toThrow(/outside/);
    await expect(it1.nextPass({ sources: [bufferRamSource("pc.ram", new Uint8Array(PAGE))] })).rejects.toThrow(/no source/);
    await expect(it1.nextPass({ previous: [bufferRamSource("pc.ram", new Uint8Array(PAGE))] })).rejects.toThrow(/previous contents/);
  });
});
