import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PageBatch, type RamPage, type Section, SectionWriter, isQberError } from "@qber/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RamReconstructor, type RamBlockSink, type RamSinkFactory, blockFileName, fileRamSink, fileSinks, memorySinks, reconstructRam } from "./reconstruct.js";
import { xbzrleEncode } from "./xbzrle.js";

const PAGE = 4096;

const setup = (blocks: [string, number][], sectionId = 2n, totalram?: bigint): Section => ({
  kind: "full",
  name: "ram",
  sectionId,
  instanceId: 0n,
  versionId: 4n,
  contents: {
    kind: "ramblid",
    value: { totalram: totalram ?? blocks.reduce((s, [, n]) => s + BigInt(n), 0n), blocks: blocks.map(([name, n]) => ({ name, len: BigInt(n) })) },
  },
});

const min = (blocks: [string, RamPage[]][], sectionId = 2n): Section => ({
  kind: "min",
  sectionId,
  contents: { kind: "ramsec", value: blocks.map(([name, pages]) => ({ name, pages })) },
});

async function stream(sections: Section[]): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const w = new SectionWriter((c) => void chunks.push(c.slice()));
  for (const s of sections) await w.writeSection(s);
  await w.close();
  return Buffer.concat(chunks);
}

const page = (byte: number) => new Uint8Array(PAGE).fill(byte);
const full = (addr: number, data: Uint8Array): RamPage => ({ kind: "fullpage", addr: BigInt(addr), data });
const compr = (addr: number): RamPage => ({ kind: "compr", addr: BigInt(addr) });
const xb = (addr: number, data: Uint8Array): RamPage => ({ kind: "xbzrle", addr: BigInt(addr), data });

function delta(old: Uint8Array, cur: Uint8Array): Uint8Array {
  const out = new Uint8Array(PAGE);
  const n = xbzrleEncode(old, cur, out);
  if (n <= 0) throw new Error(`no delta (${n})`);
  return out.slice(0, n);
}

/** A memory sink factory that records calls and closes. */
function spySinks() {
  const calls: string[] = [];
  const inner = memorySinks();
  const factory: RamSinkFactory = (b) => {
    const s = inner(b) as RamBlockSink;
    return {
      write: (o, d) => (calls.push(`write ${b.name} ${o} ${d.length}`), s.write(o, d)),
      zero: (o, n) => (calls.push(`zero ${b.name} ${o} ${n}`), s.zero(o, n)),
      read: (o, into) => (calls.push(`read ${b.name} ${o}`), s.read(o, into)),
      close: () => void calls.push(`close ${b.name}`),
    };
  };
  return { factory, calls, images: inner.images };
}

async function rejects(sections: Section[], pattern: RegExp, path?: string): Promise<void> {
  const bytes = await stream(sections);
  const spy = spySinks();
  const err = await reconstructRam(bytes, spy.factory).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isQberError(err, "QberDecodeError"), String(err)).toBe(true);
  const e = err as { message: string; offset: number | undefined; path: string };
  expect(e.message).toMatch(pattern);
  expect(typeof e.offset).toBe("number");
  expect(e.offset!).toBeGreaterThan(0);
  expect(e.offset!).toBeLessThan(bytes.length);
  if (path !== undefined) expect(e.path).toBe(path);
  // Every sink made is closed, also on failure.
  const made = new Set(spy.calls.filter((c) => !c.startsWith("close")).map((c) => c.split(" ")[1]));
  for (const name of made) expect(spy.calls).toContain(`close ${name}`);
}

describe("reconstructRam", () => {
  it("applies compr, fullpage and xbzrle pages in order", async () => {
    const a1 = page(1);
    const a2 = a1.slice();
    a2[7] = 9;
    const b = page(0);
    b[100] = 5;
    const bytes = await stream([
      setup([
        ["pc.ram", 3 * PAGE],
        ["pc.rom", PAGE],
      ]),
      min([
        ["pc.ram", [full(0, a1), compr(PAGE), full(2 * PAGE, page(3))]],
        ["pc.rom", [compr(0)]],
      ]),
      min([["pc.ram", [xb(0, delta(a1, a2)), compr(2 * PAGE), { kind: "hook" }]]]),
      // A delta on a page received as zeros.
      min([["pc.ram", [xb(PAGE, delta(page(0), b))]]]),
    ]);
    const spy = spySinks();
    const r = await reconstructRam(bytes, spy.factory);
    expect(r.blocks.map((x) => [x.name, x.length, x.pagesReceived])).toEqual([
      ["pc.ram", 3 * PAGE, 3],
      ["pc.rom", PAGE, 1],
    ]);
    expect(r.stats).toEqual({ compr: 3, fullpage: 2, xbzrle: 2, hook: 1 });
    expect(r.sections).toBe(3);
    expect(r.sectionId).toBe(2n);
    const img = spy.images.get("pc.ram")!;
    expect(Buffer.compare(img.subarray(0, PAGE), a2)).toBe(0);
    expect(Buffer.compare(img.subarray(PAGE, 2 * PAGE), b)).toBe(0);
    expect(Buffer.compare(img.subarray(2 * PAGE), page(0))).toBe(0);
    // compr on a fresh page writes nothing; compr over data zeroes it; a
    // delta on a page received as zeros reads nothing.
    expect(spy.calls).toEqual([
      `write pc.ram 0 ${PAGE}`,
      `write pc.ram ${2 * PAGE} ${PAGE}`,
      "read pc.ram 0",
      `write pc.ram 0 ${PAGE}`,
      `zero pc.ram ${2 * PAGE} ${PAGE}`,
      `write pc.ram ${PAGE} ${PAGE}`,
      "close pc.ram",
      "close pc.rom",
    ]);
  });

  it("stores a fullpage of zeros as a zero page, keeping sparse images sparse", async () => {
    const bytes = await stream([
      setup([["pc.ram", 2 * PAGE]]),
      min([["pc.ram", [full(0, page(0)), full(PAGE, page(1))]]]),
      min([["pc.ram", [full(PAGE, page(0))]]]),
    ]);
    const spy = spySinks();
    const r = await reconstructRam(bytes, spy.factory);
    expect(r.stats.fullpage).toBe(3);
    expect(r.blocks[0]!.pagesReceived).toBe(2);
    expect(spy.calls).toEqual([`write pc.ram ${PAGE} ${PAGE}`, `zero pc.ram ${PAGE} ${PAGE}`, "close pc.ram"]);
    expect(spy.images.get("pc.ram")!.every((x) => x === 0)).toBe(true);
  });

  it("ignores other sections and returns no blocks without a ram section", async () => {
    const other: Section = { kind: "full", name: "timer", sectionId: 0n, instanceId: 0n, versionId: 2n, contents: { kind: "vmstate", value: [] } };
    expect((await reconstructRam(await stream([other]), memorySinks())).blocks).toEqual([]);
  });

  it("rejects a delta whose base page was never sent", async () => {
    await rejects(
      [setup([["pc.ram", 2 * PAGE]]), min([["pc.ram", [full(0, page(1)), xb(PAGE, new Uint8Array([0, 1, 7]))]]])],
      /base page was never sent/,
      "top[1].min.contents.ramsec[0].pagelist[1]",
    );
  });

  it("rejects addresses past the block or not page-aligned", async () => {
    await rejects(
      [setup([["pc.ram", 2 * PAGE]]), min([["pc.ram", [compr(2 * PAGE)]]])],
      /past the end of block pc.ram/,
      "top[1].min.contents.ramsec[0].pagelist[0]",
    );
    await rejects(
      [setup([["pc.ram", 2 * PAGE]]), min([["pc.ram", [compr(0), full(PAGE + 8, page(1))]]])],
      /not page-aligned/,
      "top[1].min.contents.ramsec[0].pagelist[1]",
    );
    await rejects([setup([["pc.ram", 2 * PAGE]]), min([["pc.ram", [{ kind: "compr", addr: 1n << 60n }]]])], /past the end/);
    await rejects([setup([["pc.ram", 2 * PAGE]]), min([["pc.ram", [{ kind: "compr", addr: -4096n }]]])], /-4096 is before the start of block pc.ram/);
  });

  it("rejects an unknown block name", async () => {
    await rejects(
      [
        setup([["pc.ram", PAGE]]),
        min([
          ["pc.ram", [compr(0)]],
          ["pc.rom", [compr(0)]],
        ]),
      ],
      /unknown block "pc.rom"/,
      "top[1].min.contents.ramsec[1]",
    );
  });

  it("rejects pages before the setup section, a foreign section id, bad block lists", async () => {
    await rejects([min([["pc.ram", [compr(0)]]])], /before the RAM setup section/);
    await rejects([setup([["pc.ram", PAGE]]), min([["pc.ram", [compr(0)]]], 3n)], /section id 3/);
    await rejects([setup([["pc.ram", PAGE]], 2n, 8192n)], /totalram/);
    await rejects([setup([["pc.ram", PAGE + 1]])], /not a multiple of 4096/);
    await rejects(
      [
        setup([
          ["pc.ram", PAGE],
          ["pc.ram", PAGE],
        ]),
      ],
      /listed twice/,
    );
    await rejects([setup([["pc.ram", PAGE]]), setup([["pc.ram", PAGE]])], /second RAM block list/);
    await rejects(
      [{ kind: "full", name: "ram", sectionId: 2n, instanceId: 0n, versionId: 4n, contents: { kind: "oldblob", value: new Uint8Array(1) } }],
      /not the RAM block list/,
    );
  });

  it("rejects a delta the decoder rejects or longer than a page", async () => {
    await rejects(
      [setup([["pc.ram", PAGE]]), min([["pc.ram", [compr(0), xb(0, new Uint8Array([0, 0, 0]))]]])],
      /XBZRLE page at 0 of block pc.ram: empty changed run \(payload byte 1\)/,
      "top[1].min.contents.ramsec[0].pagelist[1]",
    );
    await rejects([setup([["pc.ram", PAGE]]), min([["pc.ram", [compr(0), xb(0, new Uint8Array(PAGE + 1))]]])], /longer than a page/);
  });

  it("reads sections already being read, and chunk streams", async () => {
    const bytes = await stream([setup([["pc.ram", PAGE]]), min([["pc.ram", [full(0, page(4))]]])]);
    const { readSections } = await import("@qber/core");
    const a = memorySinks();
    await reconstructRam(readSections(bytes), a);
    const b = memorySinks();
    await reconstructRam(
      (async function* () {
        yield bytes.subarray(0, 10);
        yield bytes.subarray(10);
      })(),
      b,
    );
    const c = memorySinks();
    await reconstructRam([bytes.subarray(0, 100), bytes.subarray(100)], c);
    for (const s of [a, b, c]) expect(s.images.get("pc.ram")![0]).toBe(4);
  });
});

describe("RamReconstructor", () => {
  it("applies PageBatches and RamPage objects", async () => {
    const sinks = memorySinks();
    const r = new RamReconstructor(sinks);
    await expect(r.applyPage("pc.ram", compr(0))).rejects.toThrow(/before the RAM setup section/);
    await r.setBlocks({ totalram: BigInt(2 * PAGE), blocks: [{ name: "pc.ram", len: BigInt(2 * PAGE) }] });
    const batch = new PageBatch(4);
    batch.reset(new Uint8Array(0));
    batch.pushPage(full(0, page(1)));
    batch.pushPage(full(PAGE, page(2)));
    await r.applyBatch("pc.ram", batch);
    const cur = page(2);
    cur[0] = 0;
    await r.applyPage("pc.ram", xb(PAGE, delta(page(2), cur)));
    await r.applyPage("pc.ram", compr(0));
    const res = await r.finish();
    expect(res.stats).toEqual({ compr: 1, fullpage: 2, xbzrle: 1, hook: 0 });
    const img = sinks.images.get("pc.ram")!;
    expect(Buffer.compare(img, Buffer.concat([page(0), cur]))).toBe(0);
    await expect(r.applyPage("pc.rom", compr(0))).rejects.toThrow(/unknown block/);
  });
});

describe("file sinks", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "qber-reconstruct-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("write sparse images, zero pages over data and read back staged pages", async () => {
    const a1 = page(1);
    const a2 = a1.slice();
    a2[4095] = 2;
    const pages = 1024;
    const bytes = await stream([
      setup([
        ["pc.ram", pages * PAGE],
        ["/rom@etc/acpi/tables", PAGE],
      ]),
      min([["pc.ram", [full(0, a1), full(PAGE, page(5)), full(2 * PAGE, page(6)), compr(3 * PAGE), full(1000 * PAGE, page(7))]]]),
      // The delta reads page 0 while later pages may still be staged; compr over data zeroes.
      min([["pc.ram", [xb(0, delta(a1, a2)), compr(PAGE)]]]),
    ]);
    const sinks = fileSinks(join(dir, "out"));
    const r = await reconstructRam(bytes, sinks);
    expect(r.blocks.length).toBe(2);
    const path = sinks.files.get("pc.ram")!;
    expect(path).toBe(join(dir, "out", "pc.ram.img"));
    expect(sinks.files.get("/rom@etc/acpi/tables")).toBe(join(dir, "out", "_rom_etc_acpi_tables.img"));
    const img = readFileSync(path);
    expect(img.length).toBe(pages * PAGE);
    const expected = new Uint8Array(pages * PAGE);
    expected.set(a2, 0);
    expected.set(page(6), 2 * PAGE);
    expected.set(page(7), 1000 * PAGE);
    expect(Buffer.compare(img, expected)).toBe(0);
    // Sparse: far less allocated than the 4 MiB image.
    expect(statSync(path).blocks * 512).toBeLessThan((pages * PAGE) / 4);
    expect(statSync(sinks.files.get("/rom@etc/acpi/tables")!).blocks).toBe(0);
  });

  it("a single file sink stages runs and flushes before reads", async () => {
    const path = join(dir, "x.raw");
    const s = fileRamSink(path, 600 * PAGE);
    for (let i = 0; i < 600; i++) s.write(i * PAGE, page(i & 0xff));
    const back = new Uint8Array(PAGE);
    s.read(599 * PAGE, back);
    expect(back[0]).toBe(599 & 0xff);
    s.zero(10 * PAGE, 2 * PAGE);
    s.read(10 * PAGE, back);
    expect(back[0]).toBe(0);
    await s.close?.();
    await s.close?.();
    const img = readFileSync(path);
    expect(img[11 * PAGE]).toBe(0);
    expect(img[12 * PAGE]).toBe(12);
    expect(img[598 * PAGE]).toBe(598 & 0xff);
  });

  it("names block files without collisions", () => {
    const taken = new Set<string>();
    expect(blockFileName("pc.ram", taken)).toBe("pc.ram.img");
    expect(blockFileName("/rom@etc/table-loader", taken)).toBe("_rom_etc_table-loader.img");
    expect(blockFileName("/rom@etc/table-loader", taken)).toBe("_rom_etc_table-loader~2.img");
    expect(blockFileName("0000:00:02.0/vga.vram", taken)).toBe("0000_00_02.0_vga.vram.img");
  });
});
