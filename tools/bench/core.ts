/**
 * Core benchmark: decode and encode of the RAM-shaped file (one SecMin, one
 * RAMSecBlock of 65,536 pages, 60% zero, 40% random; about 108 MB), as
 * ratios to a Buffer copy of the same bytes measured in the same run; the
 * same decode by asn1c and asn1js when they are present.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SectionWriter } from "@qber/core";
import { asn1cAvailable, asn1cDecodeNull } from "../oracles/asn1c.js";
import { ramPages, writeRamShaped, writeRamShapedFile } from "./ram-shaped.js";
import { type BenchOptions, type BenchResult, type Check, bestOf, copyBaseline } from "./types.js";

const run = promisify(execFile);
const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

async function child<T>(script: string, args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [here(script), ...args], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").pop()!) as T;
}

export async function runCore(options: BenchOptions): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "qber-bench-"));
  const notes: string[] = [];
  try {
    const pages = ramPages();
    const file = join(dir, "ram-shaped.ber");
    await writeRamShapedFile(file, pages);
    const bytes = statSync(file).size;
    const copyMs = await copyBaseline(bytes);
    const runs = options.quick ? 2 : 5;

    const encodeMs = await bestOf(runs, () => writeRamShaped(pages, new SectionWriter(() => {})));
    type Walk = { coldMs: number; bestMs: number; maxRssBytes: number; pages: number };
    const walk = await child<Walk>("walk-ram.js", [file, String(runs)]);
    if (walk.pages !== pages.length) throw new Error(`walked ${walk.pages} pages, expected ${pages.length}`);
    // Peak memory of one pass in a fresh process: what a user's decode costs.
    const once = await child<Walk>("walk-ram.js", [file, "1"]);

    const figures: Record<string, number> = {
      "core.file.bytes": bytes,
      "core.copy.gbps": bytes / copyMs / 1e6,
      "core.decode.gbps": bytes / walk.bestMs / 1e6,
      "core.decode.ratio": copyMs / walk.bestMs,
      "core.decode.cold.ratio": copyMs / walk.coldMs,
      "core.decode.peakRssMiB": once.maxRssBytes / 2 ** 20,
      "core.encode.gbps": bytes / encodeMs / 1e6,
      "core.encode.ratio": copyMs / encodeMs,
    };
    const checks: Check[] = [
      { name: "core: streaming decode from disk vs Buffer copy", value: figures["core.decode.ratio"]!, min: 0.35 },
      { name: "core: decode peak RSS (MiB)", value: figures["core.decode.peakRssMiB"]!, max: 96 },
      { name: "core: encode vs Buffer copy", value: figures["core.encode.ratio"]!, min: 0.3 },
    ];

    if (await asn1cAvailable()) {
      const a = await asn1cDecodeNull("QemuFile", file, { wideTypes: false });
      if (!a.ok) throw new Error(`asn1c could not decode the RAM-shaped file: ${a.stderr}`);
      figures["core.asn1c.ratio"] = copyMs / a.ms;
      figures["core.decode.vsAsn1c"] = a.ms / walk.bestMs;
      checks.push({ name: "core: decode vs asn1c -iber -onull", value: figures["core.decode.vsAsn1c"]!, min: 5 });
    } else {
      notes.push("asn1c not installed: no asn1c figures");
    }
    const js = await child<{ ms: number; ok: boolean; maxRssBytes: number }>("asn1js-decode.js", [file]);
    if (!js.ok) throw new Error("asn1js could not decode the RAM-shaped file");
    figures["core.asn1js.ratio"] = copyMs / js.ms;
    figures["core.asn1js.peakRssMiB"] = js.maxRssBytes / 2 ** 20;
    figures["core.decode.vsAsn1js"] = js.ms / walk.bestMs;
    checks.push({ name: "core: decode vs asn1js fromBER", value: figures["core.decode.vsAsn1js"]!, min: 30 });
    return { figures, checks, notes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
