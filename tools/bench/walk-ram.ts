/**
 * Child process of the benchmark: streams a file through readSections,
 * walking every page, and prints its time and peak RSS as JSON.
 */
import { fileSource, readSections } from "@qber/core";

const path = process.argv[2];
if (!path) throw new Error("usage: walk-ram FILE");
const t0 = process.hrtime.bigint();
let pages = 0;
let dataBytes = 0;
for await (const s of readSections(fileSource(path))) {
  if (s.kind !== "min") continue;
  for await (const b of s.blocks) {
    for await (const batch of b.pages) {
      for (let i = 0; i < batch.length; i++) {
        pages++;
        dataBytes += batch.dataLength(i);
      }
    }
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ seconds, pages, dataBytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
