// Runs the qber CLI in this process and appends its peak RSS (VmHWM) and
// wall time to the file named by QBER_MEASURE, one JSON line per run:
// `node measured.mjs import - -o -` behaves exactly like `qber import - -o -`.
import { appendFileSync, readFileSync } from "node:fs";

const { main } = await import("../../packages/cli/dist/cli/program.js");
const t = performance.now();
process.stdout.on("error", (e) => {
  if (e.code !== "EPIPE") throw e;
});
const code = await main(process.argv.slice(2));
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
if (process.env.QBER_MEASURE) {
  appendFileSync(process.env.QBER_MEASURE, JSON.stringify({ command: process.argv[2], code, ms: performance.now() - t, peakRssMiB: Number(hwm?.[1] ?? 0) / 1024 }) + "\n");
}
process.exitCode = code;
