/**
 * Bridge benchmark: import of a large QEMU stream (a 1 GiB pc guest with
 * 45% non-zero pages, composed with the RAM iterator and exported), as a
 * ratio to a Buffer copy of the same bytes measured in the same run, and the
 * peak RSS of one import in a fresh process.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fileSink } from "@qber/core";
import { composeMachine } from "@qber/snapshot";
import { seededBytes } from "./ram-shaped.js";
import { type BenchOptions, type BenchResult, copyBaseline } from "./types.js";

const run = promisify(execFile);
const child = fileURLToPath(new URL("./import-child.js", import.meta.url));

export async function runBridge(options: BenchOptions): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "qber-bench-bridge-"));
  try {
    const gib = 1024 ** 3;
    // 45% of the pages non-zero: seeded bytes loaded above 16 MiB.
    const load = join(dir, "load.bin");
    writeFileSync(load, seededBytes(Math.round(0.45 * gib), 0x51be));
    const mig = join(dir, "guest.mig");
    const sink = await fileSink(mig);
    await composeMachine({ machine: "pc", memory: gib, load: [{ addr: 16 * 1024 * 1024, file: load }] }, sink, { format: "qemu" });
    await sink.close();
    rmSync(load);
    const bytes = statSync(mig).size;
    const copyMs = await copyBaseline(bytes, 5);
    type Child = { coldMs: number; bestMs: number; maxRssBytes: number };
    const best = JSON.parse((await run(process.execPath, [child, mig, String(options.quick ? 2 : 4)])).stdout) as Child;
    const once = JSON.parse((await run(process.execPath, [child, mig, "1"])).stdout) as Child;
    const figures = {
      "bridge.import.bytes": bytes,
      "bridge.import.gbps": bytes / best.bestMs / 1e6,
      "bridge.import.ratio": copyMs / best.bestMs,
      "bridge.import.cold.ratio": copyMs / once.coldMs,
      "bridge.import.peakRssMiB": once.maxRssBytes / 2 ** 20,
    };
    return {
      figures,
      checks: [
        { name: "bridge: import of a 1 GiB guest vs Buffer copy", value: figures["bridge.import.ratio"], min: 0.25 },
        { name: "bridge: import peak RSS (MiB)", value: figures["bridge.import.peakRssMiB"], max: 128 },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
