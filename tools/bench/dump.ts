/**
 * The dump-memory speed goal: `qber dump-memory` of a 4 GiB pc guest (45%
 * of its pages non-zero, composed as a BER file) runs at least half as
 * fast as copying the core's bytes (read the finished core, write every
 * byte to a new file), within 128 MiB peak RSS. Both run on files in the
 * system's temporary directory, best of `runs`.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOAD_AT, measuredScript, readSteps, writeLoad } from "../scale/pipeline.js";
import type { BenchOptions, BenchResult } from "./types.js";

function qber(log: string, args: readonly string[]): void {
  const r = spawnSync(process.execPath, [measuredScript(), "-q", ...args], { encoding: "utf8", env: { ...process.env, QBER_MEASURE: log } });
  if (r.status !== 0) throw new Error(`qber ${args.join(" ")} failed: ${r.stderr}`);
}

/** Copies every byte of `from` to a new file `to` in 1 MiB reads and writes; seconds. */
function copyBytes(from: string, to: string): number {
  const t = performance.now();
  const src = openSync(from, "r");
  const dst = openSync(to, "w");
  const buf = Buffer.alloc(1 << 20);
  try {
    for (let n = readSync(src, buf); n > 0; n = readSync(src, buf)) {
      for (let done = 0; done < n; ) done += writeSync(dst, buf, done, n - done);
    }
  } finally {
    closeSync(src);
    closeSync(dst);
  }
  return (performance.now() - t) / 1000;
}

export async function runDump({ quick }: BenchOptions): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "qber-bench-dump-"));
  try {
    const log = join(dir, "measure.jsonl");
    const load = writeLoad(dir, 4);
    const ber = join(dir, "vm.ber");
    qber(log, ["compose", "--machine", "pc", "--memory", "4096M", "--load", `${LOAD_AT}=${load.path}`, "-o", ber]);
    rmSync(load.path);
    const core = join(dir, "vm.core");
    const copy = join(dir, "copy.core");
    const runs = quick ? 1 : 2;
    let dump = Infinity;
    let copied = Infinity;
    let peak = 0;
    for (let i = 0; i < runs; i++) {
      rmSync(log, { force: true });
      qber(log, ["dump-memory", ber, "-o", core]);
      const step = readSteps(log)[0]!;
      dump = Math.min(dump, step.ms / 1000);
      peak = Math.max(peak, step.peakRssMiB);
      copied = Math.min(copied, copyBytes(core, copy));
      rmSync(copy);
    }
    const ratio = copied / dump;
    return {
      figures: { "dump.4gib_s": dump, "dump.copy_output_s": copied, "dump.speed_vs_copy": ratio, "dump.peak_rss_mib": peak },
      checks: [
        { name: "dump-memory 4 GiB speed / copying the core's bytes", value: ratio, min: 0.5 },
        { name: "dump-memory 4 GiB peak RSS, MiB", value: peak, max: 128 },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
