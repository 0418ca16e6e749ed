/**
 * The scale time goal: the four-process pipeline (tools/scale/pipeline.ts)
 * on a 4 GiB machine takes within 10% of 4 times what it takes on 1 GiB.
 * Each size runs `runs` times, alternating, after one unmeasured 1 GiB run
 * (page cache, and on a virtual machine the guest's memory, warm); the best
 * time of each size is compared. Images go to the system's temporary
 * directory, as in the scale test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScalePipeline, writeLoad } from "../scale/pipeline.js";
import type { BenchOptions, BenchResult } from "./types.js";

export async function runScale({ quick }: BenchOptions): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "qber-bench-scale-"));
  try {
    const sizes = [1, 4];
    const loads = new Map(sizes.map((gib) => [gib, writeLoad(dir, gib)]));
    const runs = quick ? 1 : 3;
    const best = new Map<number, number>();
    let peak = 0;
    const measure = (gib: number): number => {
      const run = runScalePipeline(dir, gib, loads.get(gib)!);
      if (run.status !== 0) throw new Error(`scale pipeline (${gib} GiB) failed: ${run.stderr}`);
      for (const s of run.steps) peak = Math.max(peak, s.peakRssMiB);
      return run.seconds;
    };
    measure(1);
    for (let i = 0; i < runs; i++) {
      for (const gib of sizes) best.set(gib, Math.min(best.get(gib) ?? Infinity, measure(gib)));
    }
    const ratio = best.get(4)! / best.get(1)!;
    return {
      figures: {
        "scale.1gib_s": best.get(1)!,
        "scale.4gib_s": best.get(4)!,
        "scale.4gib_vs_1gib": ratio,
        "scale.peak_rss_mib": peak,
      },
      checks: [
        { name: "scale 4 GiB time / 1 GiB time (within 10% of 4)", value: ratio, min: 3.6, max: 4.4 },
        { name: "scale peak RSS of any step, MiB", value: peak, max: 128 },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
