/**
 * `npm run bench`: every benchmark of the project, one run, ratios measured
 * against a Buffer copy in the same run. Prints a table, or with `--json` one
 * JSON object of figures. Exits 1 when a goal the project holds is missed;
 * comparisons with other implementations (QEMU's C code) are only shown.
 */
import { runBridge } from "./bridge.js";
import { runCore } from "./core.js";
import { runDump } from "./dump.js";
import { runRamIterate } from "./ram-iterate.js";
import { runScale } from "./scale.js";
import { runXbzrle } from "./xbzrle.js";
import type { BenchOptions, BenchResult } from "./types.js";
import { judge, renderVerdict } from "./verdict.js";

const suites: Record<string, (o: BenchOptions) => Promise<BenchResult>> = {
  core: runCore,
  xbzrle: runXbzrle,
  "ram-iterate": runRamIterate,
  bridge: runBridge,
  scale: runScale,
  dump: runDump,
};

const args = process.argv.slice(2);
const json = args.includes("--json");
const quick = args.includes("--quick");
const only = args.filter((a) => !a.startsWith("--"));

const figures: Record<string, number> = {};
const results: Record<string, BenchResult> = {};
const notes: string[] = [];
for (const [name, suite] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  if (!json) process.stderr.write(`bench: ${name}...\n`);
  const r = await suite({ quick });
  results[name] = r;
  Object.assign(figures, r.figures);
  notes.push(...(r.notes ?? []));
}
const verdict = judge(results);

if (json) {
  console.log(JSON.stringify({ figures, checks: verdict.checks, comparisons: verdict.comparisons, notes }, null, 2));
} else {
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(36)} ${v.toFixed(3)}`);
  console.log("");
  for (const line of renderVerdict(verdict)) console.log(line);
  for (const n of notes) console.log(`note: ${n}`);
}
process.exitCode = verdict.exitCode;
