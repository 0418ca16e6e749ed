/**
 * Child process of the core benchmark: streams a file from disk through
 * readSections, walking every page, a few times; prints the cold and the
 * best time and the process's peak RSS as JSON.
 */
import { fileSource, readSections } from "@qber/core";
import { peakRssBytes } from "./types.js";

async function walk(path: string): Promise<{ pages: number; dataBytes: number }> {
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
  return { pages, dataBytes };
}

const path = process.argv[2];
const runs = Number(process.argv[3] ?? 3);
if (!path) throw new Error("usage: walk-ram FILE [RUNS]");
const times: number[] = [];
let counts = { pages: 0, dataBytes: 0 };
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  counts = await walk(path);
  times.push(performance.now() - t);
}
console.log(JSON.stringify({ coldMs: times[0], bestMs: Math.min(...times), ...counts, maxRssBytes: peakRssBytes() }));
