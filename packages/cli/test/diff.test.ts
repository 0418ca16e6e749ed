/**
 * `qber diff` (and the CLI side of `qber report`) end to end on the real
 * QEMU 7.2 captures: exit codes, the text and JSON forms, BER and QEMU
 * inputs in any mix, XBZRLE applied, and edited copies whose one change the
 * diff must find. Library checks of diffSummaries and renderReport's size
 * bound on synthetic summaries.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RamPage, type SecFull, SectionWriter, type VmStateEntry, fileSource, readSections } from "@qber/core";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { importQemuStream } from "@qber/qemu";
import { main } from "../src/cli/program.js";
import {
  PAGE_FULL,
  PAGE_NEVER,
  PAGE_ZERO,
  type RamBlockSummary,
  type SectionState,
  type SnapshotDiff,
  type SnapshotSummary,
  diffJson,
  diffSummaries,
} from "@qber/snapshot/diff";
import { registryFor } from "../src/cli/context.js";
import { renderReport } from "@qber/snapshot/report";
import { qemu72Fixtures as fixtures } from "@qber/test-support";

const fx = (name: string) => join(fixtures, name);
const dir = mkdtempSync(join(tmpdir(), "qber-diff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function qber(...argv: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => {
    stdout += typeof c === "string" ? c : Buffer.from(c).toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => {
    stderr += typeof c === "string" ? c : Buffer.from(c).toString();
    return true;
  });
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

async function importToBer(mig: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await importQemuStream(fileSource(mig), (c: Uint8Array) => void chunks.push(c.slice()), { registry: registryFor() });
  return Buffer.concat(chunks);
}

/** Rewrites a BER file section by section, page by page, through edits. */
async function rewrite(ber: Uint8Array, edit: { section?: (s: SecFull) => SecFull; page?: (block: string, p: RamPage) => RamPage }): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const w = new SectionWriter((c: Uint8Array) => void chunks.push(c.slice()));
  for await (const s of readSections(ber)) {
    if (s.kind === "full") {
      await w.writeSection(edit.section?.(s.section) ?? s.section);
      continue;
    }
    w.beginMin(s.sectionId);
    for await (const block of s.blocks) {
      w.beginBlock(block.name);
      for await (const batch of block.pages) {
        for (let i = 0; i < batch.length; i++) {
          const p = batch.page(i);
          const q = w.writePage(edit.page?.(block.name, p) ?? p);
          if (q) await q;
        }
      }
      w.endBlock();
    }
    await w.endMin();
  }
  await w.close();
  return Buffer.concat(chunks);
}

const paused = fx("pc-paused.mig");
const neverRun = fx("pc-never-run.mig");
const xbzrle = fx("pc-xbzrle-live.mig");
let pausedBer: string;
let xbzrleBer: string;
let edited: string;

beforeAll(async () => {
  const ber = await importToBer(paused);
  pausedBer = join(dir, "pc-paused.ber");
  writeFileSync(pausedBer, ber);
  xbzrleBer = join(dir, "pc-xbzrle-live.ber");
  writeFileSync(xbzrleBer, await importToBer(xbzrle));
  // One field (timer.cpu_ticks_offset) and one byte of one RAM page (pc.ram at 0x6000).
  const copy = await rewrite(ber, {
    section: (s) => {
      if (s.name !== "timer" || s.contents.kind !== "vmstate") return s;
      const [first, ...rest] = s.contents.value;
      if (first?.kind !== "int") throw new Error("timer: expected an int first");
      const value: VmStateEntry[] = [{ kind: "int", value: first.value + 1000n }, ...rest];
      return { ...s, contents: { kind: "vmstate", value } };
    },
    page: (block, p) => {
      if (block !== "pc.ram" || p.kind !== "fullpage" || p.addr !== 0x6000n) return p;
      const data = p.data.slice();
      data[100] = data[100]! ^ 0xff;
      return { ...p, data };
    },
  });
  edited = join(dir, "pc-paused-edited.ber");
  writeFileSync(edited, copy);
});

describe("qber diff", () => {
  it("identical files: exit 0, nothing printed", async () => {
    const r = await qber("diff", paused, paused);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("a QEMU stream and the BER file it imports to are identical; --json says so", async () => {
    const r = await qber("diff", paused, pausedBer, "--json");
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as SnapshotDiff;
    expect(d.schemaVersion).toBe(1);
    expect(d.identical).toBe(true);
    expect(d.summary).toEqual({
      sectionsChanged: 0,
      sectionsOnlyInA: 0,
      sectionsOnlyInB: 0,
      ramBlocksChanged: 0,
      ramBlocksOnlyInA: 0,
      ramBlocksOnlyInB: 0,
      pagesChanged: 0,
    });
    expect(d.ram.blocks.map((b) => b.name)).toContain("pc.ram");
  });

  it("XBZRLE pages are applied: a live capture with XBZRLE equals its BER import", async () => {
    const r = await qber("diff", xbzrle, xbzrleBer);
    expect(r.code).toBe(0);
  });

  it("pc-paused vs pc-never-run: device fields and RAM differ, exit 1", async () => {
    const text = await qber("diff", paused, neverRun);
    expect(text.code).toBe(1);
    expect(text.stderr).toBe(`qber: ${paused} and ${neverRun} differ\n`);
    expect(text.stdout).toContain(`--- ${paused}\n+++ ${neverRun}\n`);
    expect(text.stdout).toMatch(/^device cpu \(instance 0, version 12\): \d+ fields differ$/m);
    // By the field's type: unsigned registers in hex and decimal, signed values in decimal, long byte strings by what differs.
    expect(text.stdout).toContain("  eip: 0xb7b9 (47033) -> 0xfff0 (65520)\n");
    expect(text.stdout).toContain("  segs[1].base: 0xf0000 (983040) -> 0xffff0000 (4294901760)\n");
    expect(text.stdout).toContain("  halted: 1 -> 0\n");
    expect(text.stdout).toContain("  cpu_ticks_offset: 5199525607 -> 0\n");
    expect(text.stdout).toMatch(/^device 0000:00:00\.0\/I440FX .*\n {2}parent_obj\.config: 10 of 256 bytes differ, first at byte 0x4$/m);
    expect(text.stdout).toMatch(/^RAM pc\.ram: 61 of 8192 pages differ/m);

    const r = await qber("diff", paused, neverRun, "--json");
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout) as SnapshotDiff;
    expect(d.identical).toBe(false);
    expect(d.a.name).toBe(paused);
    const cpu = d.sections.changed.find((c) => c.name === "cpu")!;
    expect(cpu.kind).toBe("device");
    expect(cpu.versionChanged).toBe(false);
    expect(cpu.fields).toContainEqual({ path: "eip", a: "47033", b: "65520" });
    // The JSON form stays lossless and as it was: no types or descriptions in it.
    expect(Object.keys(cpu).sort()).toEqual(["decodedBy", "fields", "instance", "kind", "moreFields", "name", "version", "versionChanged"]);
    expect(d.sections.changed.find((c) => c.name === "0000:00:00.0/I440FX")!.fields[0]).toMatchObject({
      path: "parent_obj.config",
      a: expect.stringMatching(/^[0-9a-f]{512}$/),
    });
    expect(cpu.fields).toContainEqual({ path: "segs[1].base", a: "983040", b: "4294901760" });
    // A subsection sent by one and not the other.
    expect(cpu.fields).toContainEqual({ path: "msr_smi_count", a: { msr_smi_count: "1" } });
    expect(d.sections.changed.map((c) => c.name)).toEqual(expect.arrayContaining(["timer", "cpu_common", "apic", "globalstate"]));
    const ram = d.ram.blocks.find((b) => b.name === "pc.ram")!;
    expect(ram.pages).toEqual({ a: 8192, b: 8192 });
    expect(ram.length).toEqual({ a: 33554432, b: 33554432 });
    expect(ram.differentPages).toBe(61);
    expect(ram.ranges[0]).toEqual({ start: "0x0", end: "0x1000", pages: 1 });
    expect(ram.ranges.reduce((n, g) => n + g.pages, 0)).toBe(61);
    expect(d.ram.blocks.find((b) => b.name === "pc.bios")!.differentPages).toBe(0);
    expect(d.summary.pagesChanged).toBe(d.ram.blocks.reduce((n, b) => n + b.differentPages, 0));
  });

  it("finds exactly one changed field and one changed page in an edited copy", async () => {
    const r = await qber("diff", pausedBer, edited, "--json");
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout) as SnapshotDiff;
    expect(d.sections.changed).toHaveLength(1);
    const timer = d.sections.changed[0]!;
    expect(timer.name).toBe("timer");
    expect(timer.fields).toHaveLength(1);
    expect(timer.fields[0]!.path).toBe("cpu_ticks_offset");
    expect(BigInt(timer.fields[0]!.b as string) - BigInt(timer.fields[0]!.a as string)).toBe(1000n);
    expect(d.ram.blocks.filter((b) => b.differentPages > 0)).toEqual([
      {
        name: "pc.ram",
        length: { a: 33554432, b: 33554432 },
        pages: { a: 8192, b: 8192 },
        differentPages: 1,
        ranges: [{ start: "0x6000", end: "0x7000", pages: 1 }],
      },
    ]);
    const text = await qber("diff", pausedBer, edited);
    expect(text.stdout).toContain("device timer (instance 0, version 2): 1 field differs\n  cpu_ticks_offset: ");
    expect(text.stdout).toContain("RAM pc.ram: 1 of 8192 pages differ (8192 pages, 1 range)\n  0x6000-0x7000 (1 page)\n");
  });

  it("missing file, wrong format, usage errors: one line and the exit code", async () => {
    const missing = await qber("diff", paused, join(dir, "nope.mig"));
    expect(missing).toEqual({ code: 1, stdout: "", stderr: `qber: ${join(dir, "nope.mig")}: no such file\n` });

    const text = join(dir, "notes.txt");
    writeFileSync(text, "hello, world\n");
    const wrong = await qber("diff", text, paused);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(
      `qber: ${text}: not a qber file (7f cd c5 51) nor a QEMU migration stream ("QEVM", 51 45 56 4d), nor a libvirt save image, a qcow2 image or a gzip/bzip2/xz/lzop/zstd-compressed stream; it starts with 68 65 6c 6c\n`,
    );

    const cut = join(dir, "cut.mig");
    writeFileSync(cut, readFileSync(paused).subarray(0, 200_000));
    const truncated = await qber("diff", paused, cut);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/^qber: [^\n]+\n$/);

    const one = await qber("diff", paused);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain("missing required argument 'b'");

    const stdin = await qber("diff", "-", "-");
    expect(stdin).toEqual({ code: 2, stdout: "", stderr: "qber: only one input can be - (stdin)\n" });

    const cache = await qber("diff", paused, paused, "--xbzrle-cache", "lots");
    expect(cache).toEqual({ code: 2, stdout: "", stderr: 'qber: --xbzrle-cache: expected a positive number of MiB, got "lots"\n' });
  });

  it("a tiny XBZRLE cache is an error that names it, not a wrong answer", async () => {
    const r = await qber("diff", xbzrle, xbzrleBer, "--xbzrle-cache", "0.01");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^qber: .*XBZRLE page at 0x[0-9a-f]+ applies to contents dropped to keep within the XBZRLE cache of 10486 bytes; use a larger cache\n$/,
    );
  });

  it("--help shows examples", async () => {
    const r = await qber("diff", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: qber diff [options] <a> <b>");
    expect(r.stdout).toContain("Examples:\n  qber diff before.ber after.ber");
  });
});

describe("qber report (CLI side; the page itself is checked in a browser by tools/report)", () => {
  it("writes one self-contained HTML file for one snapshot and for two", async () => {
    const one = join(dir, "one.html");
    expect(await qber("report", paused, "-o", one)).toEqual({ code: 0, stdout: "", stderr: "" });
    const html = readFileSync(one, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/\b(src|href)="(?!#)/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('<table class="sections" id="sections-a">');

    const two = join(dir, "two.html");
    expect((await qber("report", paused, neverRun, "-o", two)).code).toBe(0);
    expect(readFileSync(two, "utf8")).toContain('<span class="verdict different" id="verdict">different</span>');
  });

  it("usage: -o is required; errors are one line", async () => {
    const r = await qber("report", paused);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '-o, --output <file>' not specified");
    const missing = await qber("report", join(dir, "nope.ber"), "-o", join(dir, "x.html"));
    expect(missing).toEqual({ code: 1, stdout: "", stderr: `qber: ${join(dir, "nope.ber")}: no such file\n` });
    const cells = await qber("report", paused, "-o", join(dir, "x.html"), "--max-cells", "0");
    expect(cells.code).toBe(2);
    const help = await qber("report", "--help");
    expect(help.stdout).toContain("Examples:\n  qber report vm.ber -o vm.html");
  });
});

describe("diffSummaries and renderReport", () => {
  const state = (name: string, instance: number, version: number, fields: unknown): SectionState => ({
    name,
    instance,
    version,
    kind: "device",
    decodedBy: "plugin",
    fields,
  });
  const block = (name: string, kinds: number[], length: number | undefined = kinds.length * 4096): RamBlockSummary => {
    const digests = new Uint8Array(kinds.length * 16);
    kinds.forEach((k, i) => {
      if (k === PAGE_FULL) digests.fill(i + 1, i * 16, i * 16 + 16);
    });
    return { name, length, pages: kinds.length, kinds: Uint8Array.from(kinds), digests, records: { zero: 0, full: 0, xbzrle: 0, hook: 0 } };
  };
  const summary = (states: SectionState[], ram: RamBlockSummary[]): SnapshotSummary => ({
    sections: [],
    states,
    ram,
    guestPhysical: { error: "no configuration section naming the machine type" },
    bytes: 0,
  });

  it("reports versions, sections and RAM blocks only on one side, and grown blocks", () => {
    const a = summary(
      [state("apic", 0, 3, { x: 1 }), state("hpet", 0, 2, {}), state("dma", 0, 1, {})],
      [block("pc.ram", [PAGE_FULL, PAGE_ZERO, PAGE_NEVER]), block("vga", [PAGE_ZERO])],
    );
    const b = summary(
      [state("dma", 1, 1, {}), state("apic", 0, 4, { x: 1 }), state("dma", 0, 1, {})],
      [block("pc.ram", [PAGE_FULL, PAGE_NEVER, PAGE_ZERO, PAGE_FULL]), block("extra", [])],
    );
    const d = diffSummaries(a, b, { names: ["A", "B"] });
    expect(d.identical).toBe(false);
    expect(d.sections.changed).toEqual([
      {
        name: "apic",
        instance: 0,
        kind: "device",
        version: { a: 3, b: 4 },
        versionChanged: true,
        decodedBy: { a: "plugin", b: "plugin" },
        fields: [],
        moreFields: 0,
      },
    ]);
    expect(d.sections.onlyInA).toEqual([{ name: "hpet", instance: 0, version: 2, kind: "device" }]);
    expect(d.sections.onlyInB).toEqual([{ name: "dma", instance: 1, version: 1, kind: "device" }]);
    // Zero and never-sent pages hold the same contents; the fourth page is beyond A's block.
    expect(d.ram.blocks).toEqual([
      { name: "pc.ram", length: { a: 12288, b: 16384 }, pages: { a: 3, b: 4 }, differentPages: 1, ranges: [{ start: "0x3000", end: "0x4000", pages: 1 }] },
    ]);
    expect(d.ram.onlyInA).toEqual([{ name: "vga", pages: 1, length: 4096 }]);
    expect(d.ram.onlyInB).toEqual([{ name: "extra", pages: 0, length: 0 }]);
  });

  it("field paths", () => {
    expect(diffJson({ a: [1, { b: 2 }], "odd key": 1, gone: 1 }, { a: [1, { b: 3 }, 4], "odd key": 2, added: true })).toEqual([
      { path: "a[1].b", a: 2, b: 3 },
      { path: "a[2]", b: 4 },
      { path: '["odd key"]', a: 1, b: 2 },
      { path: "gone", a: 1 },
      { path: "added", b: true },
    ]);
  });

  it("keeps the HTML small for big RAM: 64 GiB of pages fits in a bounded page", () => {
    const pages = 16 * 1024 * 1024;
    const kinds = new Uint8Array(pages);
    for (let i = 0; i < pages; i++) kinds[i] = (i * 2654435761) >>> 30;
    const big: RamBlockSummary = {
      name: "pc.ram",
      length: pages * 4096,
      pages,
      kinds,
      digests: new Uint8Array(0),
      records: { zero: 0, full: 0, xbzrle: 0, hook: 0 },
    };
    const html = renderReport({ name: "big", summary: summary([], [big]) });
    expect(html.length).toBeLessThan(400_000);
    expect(html).toContain("1,024 pages per cell (dominant kind)");
  });
});
