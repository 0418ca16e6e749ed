/**
 * Scale: a synthetic RAM of QBER_SCALE_GIB GiB (default 1; the acceptance
 * figure is 4) composed by the RAM iterator and read back through a pipe,
 * every page checked against its generator as it arrives; then composed
 * again over three passes (the later ones dirtying about 1% of the pages, so
 * both cache misses and XBZRLE deltas travel) and reconstructed into a sparse
 * image file, which is checked page by page. Each phase runs in a child
 * process, whose peak RSS (VmHWM) must stay within 128 MiB.
 *
 * The child is bundled from the TypeScript sources (with rolldown, which
 * vitest's vite brings) so that, like every test here, it runs the sources
 * and needs no build.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const GIB = Number(process.env.QBER_SCALE_GIB ?? "1");
const LIMIT = 128 * 2 ** 20;
const src = (name: string) => JSON.stringify(fileURLToPath(new URL(`../src/${name}`, import.meta.url)));
const core = JSON.stringify(fileURLToPath(new URL("../../core/src/index.ts", import.meta.url)));

/**
 * The child: `compose-decode GIB` or `reconstruct GIB DIR`. Pages: page i
 * is non-zero when its hash says so (about 45%), filled with a per-page
 * word pattern; in version 2 and 3, pages i ≡ 0 (mod 97) change: non-zero
 * ones in a few words (XBZRLE), zero ones become non-zero in version 2 and
 * zero again in version 3.
 */
const CHILD = `
import { PassThrough } from "node:stream";
import { openSync, readSync, closeSync, statSync } from "node:fs";
import { readFileSync } from "node:fs";
import { SectionWriter, readSections, KIND_COMPR, KIND_FULL } from ${core};
import { RamIterator } from ${src("ram-iterator.ts")};
import { generatedRamSource } from ${src("ram-source.ts")};
import { reconstructRam, fileSinks } from ${src("reconstruct.ts")};

const PAGE = 4096;
const WORDS = PAGE / 4;
const hash = (i) => {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};
const nonZero = (i, v) => {
  const base = hash(i) % 100 < 45;
  if (v === 1 || i % 97 !== 0 || base) return base;
  return v === 2;
};
/** Fills a zeroed page; returns whether it is non-zero. */
function generate(i, v, words) {
  if (!nonZero(i, v)) return false;
  const h = hash(i) | 1;
  for (let j = 0; j < WORDS; j++) words[j] = Math.imul(h, j + 1) ^ j;
  if (v > 1 && i % 97 === 0) for (let j = v; j < WORDS; j += 61) words[j] ^= v * 0x01010101;
  return true;
}
/** Whether a received page (any alignment) is page i of version v. */
function checkPage(i, v, page) {
  scratch.fill(0);
  generate(i, v, scratch);
  return Buffer.compare(page, scratchBytes) === 0;
}
const scratch = new Uint32Array(WORDS);
const scratchBytes = new Uint8Array(scratch.buffer);
const source = (v, length) => generatedRamSource("pc.ram", length, (i, page) => generate(i, v, new Uint32Array(page.buffer, page.byteOffset, WORDS)));
const vmhwm = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]) * 1024;

const [mode, gib, dir] = process.argv.slice(2);
const length = Number(gib) * 2 ** 30;
const pages = length / PAGE;
const t0 = performance.now();
const pipe = new PassThrough();
const writer = new SectionWriter(pipe);
const compose = (async () => {
  const it = new RamIterator(writer, [source(1, length)], { xbzrle: { cacheSize: 16 * 2 ** 20 } });
  const stats = [await it.start()];
  if (mode === "reconstruct") {
    const dirty = [];
    for (let i = 0; i < pages; i += 97) dirty.push(i);
    for (const v of [2, 3]) stats.push(await it.nextPass({ sources: [source(v, length)], dirty: { "pc.ram": dirty } }));
  }
  await writer.close();
  pipe.end();
  return stats;
})();
compose.catch((e) => pipe.destroy(e));
let out;
if (mode === "compose-decode") {
  let next = 0, bad = 0, zero = 0, full = 0;
  for await (const s of readSections(pipe)) {
    if (s.kind !== "min") continue;
    for await (const b of s.blocks) {
      for await (const batch of b.pages) {
        for (let k = 0; k < batch.length; k++) {
          const i = batch.addrNumber(k) / PAGE;
          if (i !== next++) bad++;
          const kind = batch.kindCode(k);
          if (kind === KIND_COMPR) { zero++; if (nonZero(i, 1)) bad++; }
          else if (kind === KIND_FULL) { full++; if (!checkPage(i, 1, batch.data(k))) bad++; }
          else bad++;
        }
      }
    }
  }
  out = { pages: next, zero, full, bad };
} else {
  const sinks = fileSinks(dir);
  const result = await reconstructRam(pipe, sinks);
  const path = sinks.files.get("pc.ram");
  const tRec = performance.now() - t0;
  // Read the image back in 1 MiB pieces and check every page.
  const fd = openSync(path, "r");
  const buf = new Uint8Array(1 << 20);
  let bad = 0, nonzero = 0;
  for (let i = 0; i < pages; ) {
    const n = readSync(fd, buf, 0, buf.length, i * PAGE) / PAGE;
    for (let k = 0; k < n; k++, i++) {
      const page = buf.subarray(k * PAGE, (k + 1) * PAGE);
      if (nonZero(i, 3)) nonzero++;
      if (!checkPage(i, 3, page)) bad++;
    }
  }
  closeSync(fd);
  const st = statSync(path);
  out = { pages, bad, nonzero, size: st.size, allocated: st.blocks * 512, reconstructMs: tRec, stats: result.stats };
}
out.passes = await compose;
out.ms = performance.now() - t0;
out.peakRss = vmhwm();
console.log(JSON.stringify(out));
`;

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "qber-scale-"));
  const entry = join(dir, "child.ts");
  writeFileSync(entry, CHILD);
  const { rolldown } = await import("rolldown");
  const b = await rolldown({
    input: entry,
    platform: "node",
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    resolve: { conditionNames: ["qber-source", "import", "node", "default"] },
    logLevel: "silent",
  });
  bundle = join(dir, "child.mjs");
  await b.write({ file: bundle, format: "esm" });
  await b.close();
  // Everything but Node's own modules is in the bundle: nothing resolved from a build.
  const text = readFileSync(bundle, "utf8");
  expect(text).not.toMatch(/from\s+["']@qber\//);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function child(args: string[]): Promise<Record<string, unknown> & { peakRss: number; ms: number; bad: number }> {
  const { stdout } = await run(process.execPath, [bundle, ...args], { maxBuffer: 1 << 20, timeout: 1_800_000 });
  const line = stdout.trim().split("\n").pop()!;
  const r = JSON.parse(line) as Record<string, unknown> & { peakRss: number; ms: number; bad: number };
  console.log(`scale ${GIB} GiB ${args[0]}: ${line}`);
  return r;
}

const timeout = Math.max(120_000, GIB * 120_000);

describe(`RAM at scale (${GIB} GiB; QBER_SCALE_GIB sets it)`, () => {
  it("composes and decodes through a pipe within 128 MiB, every page checked", { timeout }, async () => {
    const r = await child(["compose-decode", String(GIB)]);
    const pages = (GIB * 2 ** 30) / 4096;
    expect(r.pages).toBe(pages);
    expect(r.bad).toBe(0);
    expect(r.full as number).toBeGreaterThanOrEqual(0.4 * pages);
    expect(r.peakRss).toBeLessThanOrEqual(LIMIT);
  });

  it("reconstructs a three-pass stream into a sparse image within 128 MiB", { timeout }, async () => {
    const r = await child(["reconstruct", String(GIB), join(dir, "images")]);
    expect(r.bad).toBe(0);
    expect(r.size).toBe(GIB * 2 ** 30);
    // Sparse: about the non-zero pages are allocated, not the whole image.
    expect(r.allocated as number).toBeLessThan(0.6 * (r.size as number));
    const passes = r.passes as { xbzrle: number; cacheMiss: number }[];
    expect(passes[1]!.cacheMiss).toBeGreaterThan(0);
    expect(passes[2]!.xbzrle).toBeGreaterThan(0);
    expect(r.peakRss).toBeLessThanOrEqual(LIMIT);
  });
});
