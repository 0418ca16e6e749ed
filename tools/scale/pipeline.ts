/**
 * The scale pipeline: a synthetic machine (45% of its pages non-zero) goes
 * compose -> BER -> QEMU stream -> import -> extract-ram, one qber process
 * per step, joined by pipes. Shared by the scale test (memory and
 * correctness) and `npm run bench scale` (the time ratio).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the load goes in guest RAM. */
export const LOAD_AT = 16 * 1024 * 1024;

export interface ScaleLoad {
  readonly path: string;
  readonly bytes: number;
  readonly md5: string;
}

export interface ScaleStep {
  readonly command: string;
  readonly code: number;
  readonly ms: number;
  readonly peakRssMiB: number;
}

export interface ScaleRun {
  readonly seconds: number;
  readonly status: number | null;
  readonly stderr: string;
  readonly steps: readonly ScaleStep[];
  /** The extracted pc.ram image. */
  readonly image: string;
}

/** tools/scale/measured.mjs, found from this file upwards (works from source and from dist). */
export function measuredScript(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, "scale", "measured.mjs");
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error("tools/scale/measured.mjs not found");
  }
}

/** A seeded pattern filling 45% of `gib` GiB: every page distinct, cheap to make and to check. */
export function writeLoad(dir: string, gib: number): ScaleLoad {
  const bytes = Math.floor((gib * 1024 ** 3 * 0.45) / 4096) * 4096;
  const path = join(dir, `load-${gib}.bin`);
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
  return { path, bytes, md5: hash.digest("hex") };
}

export function md5Range(path: string, start: number, length: number): string {
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

/** Runs the four steps on a `gib` GiB machine with `load` at LOAD_AT, images into dir/ram. */
export function runScalePipeline(dir: string, gib: number, load: ScaleLoad): ScaleRun {
  const log = join(dir, "measure.jsonl");
  const out = join(dir, "ram");
  rmSync(log, { force: true });
  rmSync(out, { recursive: true, force: true });
  const q = `QBER_MEASURE=${log} ${process.execPath} ${measuredScript()}`;
  const pipeline = [
    `${q} compose --machine pc --memory ${Math.round(gib * 1024)}M --load ${LOAD_AT}=${load.path} -o -`,
    `${q} export - -o -`,
    `${q} import - -o -`,
    `${q} extract-ram - -o ${out}`,
  ].join(" | ");
  const t = performance.now();
  const r = spawnSync("bash", ["-o", "pipefail", "-c", pipeline], { encoding: "utf8", maxBuffer: 1 << 20 });
  const seconds = (performance.now() - t) / 1000;
  return { seconds, status: r.status, stderr: r.stderr, steps: readSteps(log), image: join(out, "pc.ram.img") };
}

/** The steps measured.mjs logged to `log` (QBER_MEASURE), one per process. */
export function readSteps(log: string): ScaleStep[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as ScaleStep);
}
