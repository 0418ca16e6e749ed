// Runs the qber CLI (the bundle bin/qber.js runs) in this process and appends its
// peak RSS (VmHWM) and wall time to the file named by QBER_MEASURE, one JSON
// line per run: `node measured.mjs import - -o -` is `qber import - -o -`.
import { appendFileSync, readFileSync } from "node:fs";

const t = performance.now();
process.on("exit", (code) => {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  if (process.env.QBER_MEASURE) {
    appendFileSync(
      process.env.QBER_MEASURE,
      `${JSON.stringify({ command: process.argv[2], code, ms: performance.now() - t, peakRssMiB: Number(hwm?.[1] ?? 0) / 1024 })}\n`,
    );
  }
});
await import("../../packages/cli/dist/qber.mjs");
