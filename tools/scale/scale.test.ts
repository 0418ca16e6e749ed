/**
 * The scale test: a synthetic machine (QBER_SCALE_GIB GiB of RAM, default 1, fractions allowed;
 * 45% of its pages non-zero) goes compose -> BER -> QEMU stream -> import ->
 * extract-ram through pipes, one process per step; every step's peak RSS
 * stays within 128 MiB, and the extracted RAM is the RAM composed.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const gib = Number(process.env.QBER_SCALE_GIB ?? 1);
const measured = fileURLToPath(new URL("./measured.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "qber-scale-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A seeded pattern: every page distinct, cheap to make and to check. */
function writeLoad(path: string, bytes: number): string {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(1 << 20);
  const words = new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length / 4);
  const hash = createHash("md5");
  for (let done = 0, n = 0; done < bytes; done += chunk.length) {
    for (let i = 0; i < words.length; i++) words[i] = Math.imul(n++, 0x9e3779b1) >>> 0;
    const part = chunk.subarray(0, Math.min(chunk.length, bytes - done));
    hash.update(part);
    writeFileSync(fd, part);
  }
  closeSync(fd);
  return hash.digest("hex");
}

function md5Range(path: string, start: number, length: number): string {
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(1 << 20);
  const hash = createHash("md5");
  for (let done = 0; done < length; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, length - done), start + done);
    hash.update(buf.subarray(0, n));
    done += n;
  }
  closeSync(fd);
  return hash.digest("hex");
}

it(`a ${gib} GiB machine through compose | export | import | extract-ram, each step within 128 MiB`, () => {
  const memory = gib * 1024 ** 3;
  const at = 16 * 1024 * 1024;
  const loadBytes = Math.floor((memory * 0.45) / 4096) * 4096;
  const load = join(dir, "load.bin");
  const loadMd5 = writeLoad(load, loadBytes);
  const log = join(dir, "measure.jsonl");
  const q = `QBER_MEASURE=${log} ${process.execPath} ${measured}`;
  const pipeline = [
    `${q} compose --machine pc --memory ${Math.round(gib * 1024)}M --load ${at}=${load} -o -`,
    `${q} export - -o -`,
    `${q} import - -o -`,
    `${q} extract-ram - -o ${join(dir, "ram")}`,
  ].join(" | ");
  const t = performance.now();
  const r = spawnSync("bash", ["-o", "pipefail", "-c", pipeline], { encoding: "utf8", maxBuffer: 1 << 20 });
  const seconds = (performance.now() - t) / 1000;
  expect(r.status, r.stderr).toBe(0);
  const steps = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { command: string; code: number; ms: number; peakRssMiB: number });
  console.log(`scale ${gib} GiB: ${seconds.toFixed(1)} s; ${steps.map((s) => `${s.command} ${s.peakRssMiB.toFixed(0)} MiB`).join(", ")}`);
  expect(steps.map((s) => s.command).sort()).toEqual(["compose", "export", "extract-ram", "import"]);
  for (const s of steps) {
    expect(s.code).toBe(0);
    expect(s.peakRssMiB, `${s.command} peak RSS`).toBeLessThanOrEqual(128);
  }
  const image = join(dir, "ram", "pc.ram.img");
  expect(md5Range(image, at, loadBytes)).toBe(loadMd5);
  expect(md5Range(image, 0, 4096)).toBe(createHash("md5").update(Buffer.alloc(4096)).digest("hex"));
}, 900_000);
