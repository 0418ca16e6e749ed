/**
 * `npm run bench`: every benchmark of the project, one run, ratios measured
 * against a Buffer copy in the same run. Prints a table, or with `--json` one
 * JSON object of figures. Exits 1 when a goal is missed.
 */
import { runBridge } from "./bridge.js";
import { runCore } from "./core.js";
import { runDump } from "./dump.js";
import { runRamIterate } from "./ram-iterate.js";
import { runScale } from "./scale.js";
import { runXbzrle } from "./xbzrle.js";
import type { BenchOptions, BenchResult } from "./types.js";

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
const checks: { suite: string; name: string; value: number; min?: number; max?: number; ok: boolean }[] = [];
const notes: string[] = [];
for (const [name, suite] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  if (!json) process.stderr.write(`bench: ${name}...\n`);
  const r = await suite({ quick });
  Object.assign(figures, r.figures);
  notes.push(...(r.notes ?? []));
  for (const c of r.checks) {
    const ok = (c.min === undefined || c.value >= c.min) && (c.max === undefined || c.value <= c.max);
    checks.push({ suite: name, ...c, ok });
  }
}

if (json) {
  console.log(JSON.stringify({ figures, checks, notes }, null, 2));
} else {
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(36)} ${v.toFixed(3)}`);
  console.log("");
  for (const c of checks) {
    const goal = c.min !== undefined && c.max !== undefined ? `${c.min} to ${c.max}` : c.min !== undefined ? `>= ${c.min}` : `<= ${c.max}`;
    console.log(`${c.ok ? "ok  " : "MISS"} ${c.name.padEnd(52)} ${c.value.toFixed(3)} (goal ${goal})`);
  }
  for (const n of notes) console.log(`note: ${n}`);
}
process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
