/**
 * The scale test: a synthetic machine (QBER_SCALE_GIB GiB of RAM, default 1,
 * fractions allowed) through compose | export | import | extract-ram
 * (pipeline.ts); every step's peak RSS stays within 128 MiB, and the
 * extracted RAM is the RAM composed. The time ratio of 1 to 4 GiB is a
 * benchmark: `npm run bench scale`.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { LOAD_AT, md5Range, runScalePipeline, writeLoad } from "./pipeline.js";

const gib = Number(process.env.QBER_SCALE_GIB ?? 1);
const dir = mkdtempSync(join(tmpdir(), "qber-scale-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it(`a ${gib} GiB machine through compose | export | import | extract-ram, each step within 128 MiB`, () => {
  const load = writeLoad(dir, gib);
  const run = runScalePipeline(dir, gib, load);
  expect(run.status, run.stderr).toBe(0);
  console.log(`scale ${gib} GiB: ${run.seconds.toFixed(1)} s; ${run.steps.map((s) => `${s.command} ${s.peakRssMiB.toFixed(0)} MiB`).join(", ")}`);
  expect(run.steps.map((s) => s.command).sort()).toEqual(["compose", "export", "extract-ram", "import"]);
  for (const s of run.steps) {
    expect(s.code).toBe(0);
    expect(s.peakRssMiB, `${s.command} peak RSS`).toBeLessThanOrEqual(128);
  }
  expect(md5Range(run.image, LOAD_AT, load.bytes)).toBe(load.md5);
  expect(md5Range(run.image, 0, 4096)).toBe(createHash("md5").update(Buffer.alloc(4096)).digest("hex"));
}, 900_000);
