/**
 * Child process of the bridge benchmark: imports a QEMU stream from disk
 * into a discarding sink, a few times; prints the best time and the peak RSS.
 */
import { discardSink, fileSource } from "@qber/core";
import { importQemuStream } from "@qber/qemu";
import { peakRssBytes } from "./types.js";

const path = process.argv[2];
const runs = Number(process.argv[3] ?? 3);
if (!path) throw new Error("usage: import-child FILE [RUNS]");
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  await importQemuStream(fileSource(path), discardSink);
  times.push(performance.now() - t);
}
console.log(JSON.stringify({ coldMs: times[0], bestMs: Math.min(...times), maxRssBytes: peakRssBytes() }));
