/**
 * A fuzz worker thread: runs the batches run.ts sends it and publishes the
 * input it is on (index, start time) in shared memory, so the main thread can
 * terminate it when an input hangs.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadCorpus } from "./corpus.js";
import { runRange, warmUp } from "./driver.js";
import type { Target } from "./names.js";

export interface BatchMessage {
  readonly type: "batch";
  readonly target: Target;
  readonly seed: number;
  readonly from: number;
  readonly to: number;
  readonly timeoutMs: number;
  /** Growth of resident memory over the worker's first batch start that counts as a failure. */
  readonly maxGrowthBytes: number;
}

const port = parentPort;
if (port === null) throw new Error("worker.ts runs as a worker thread");
/** [index, start time in ms since the epoch] of the input being run. */
const data = workerData as { readonly current: SharedArrayBuffer; readonly targets: readonly Target[] };
const current = new Float64Array(data.current);
const corpus = await loadCorpus(data.targets);
/** The memory check is on growth past what the corpus and runtime take. */
const rssState = { flagged: 0 };
let baseline: number | undefined;
const warm = new Set<Target>();
port.on("message", (m: BatchMessage) => {
  void (async () => {
    if (!warm.has(m.target)) {
      warm.add(m.target);
      await warmUp(corpus, m.target);
    }
    const stats = await runRange(corpus, m.target, m.seed, m.from, m.to, {
      timeoutMs: m.timeoutMs,
      maxRssBytes: (baseline ??= process.memoryUsage.rss()) + m.maxGrowthBytes,
      rssState,
      onStart: (index) => {
        current[0] = index;
        current[1] = Date.now();
      },
    });
    current[1] = 0;
    port.postMessage({ type: "done", stats });
  })();
});
port.postMessage({ type: "ready" });
