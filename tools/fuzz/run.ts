/**
 * The fuzz campaign runner.
 *
 *   npm run fuzz -- --inputs N [--target ber|qemu|json] [--seed S] [--jobs J]
 *   npm run fuzz -- --target T --seed S --index I [--dump FILE]   (reproduce one input)
 *
 * Inputs run in worker threads, in batches; each input is timed (over
 * --timeout ms is a failure) and a watchdog terminates a worker whose input
 * runs past --hang ms (a hang), then carries on after it. Prints per-target
 * counts, failures with their reproduction commands, the slowest input and
 * the peak RSS (VmHWM) of the process.
 */
import { writeFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
// Only light modules here: the workers load the readers and the corpus, the main thread stays small.
import { TARGETS, TARGET_DESCRIPTIONS, type Target, describeError } from "./names.js";
import { type Failure, type Stats, failureOf, mergeStats, newStats, peakRssBytes } from "./stats.js";
import type { BatchMessage } from "./worker.js";

/**
 * Heap of a worker: small, so the garbage collector keeps resident memory
 * down; an input that needs more crashes its worker, which is reported.
 */
const OLD_GENERATION_MB = 160;

interface Args {
  inputs: number;
  targets: Target[];
  seed: number;
  start: number;
  index: number | undefined;
  jobs: number;
  timeoutMs: number;
  hangMs: number;
  maxGrowthMiB: number;
  batch: number;
  dump: string | undefined;
  report: string | undefined;
}

const USAGE = `usage: npm run fuzz -- [--inputs N] [--target ber|qemu|json] [--seed S] [--start K] [--jobs J]
                       [--timeout MS] [--hang MS] [--max-growth MIB] [--report FILE]
       npm run fuzz -- --target T --seed S --index I [--dump FILE]
targets:
${TARGETS.map((t) => `  ${t.padEnd(5)} ${TARGET_DESCRIPTIONS[t]}`).join("\n")}`;

function parseArgs(argv: string[]): Args {
  const a: Args = {
    inputs: 1000,
    targets: [...TARGETS],
    seed: 1,
    start: 0,
    index: undefined,
    jobs: 2,
    timeoutMs: 1000,
    hangMs: 10_000,
    maxGrowthMiB: 128,
    batch: 250,
    dump: undefined,
    report: undefined,
  };
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = argv[i + 1];
    switch (flag) {
      case "--inputs":
        a.inputs = num(flag, v);
        i++;
        break;
      case "--seed":
        a.seed = num(flag, v);
        i++;
        break;
      case "--start":
        a.start = num(flag, v);
        i++;
        break;
      case "--index":
        a.index = num(flag, v);
        i++;
        break;
      case "--jobs":
        a.jobs = Math.max(1, num(flag, v));
        i++;
        break;
      case "--timeout":
        a.timeoutMs = num(flag, v);
        i++;
        break;
      case "--hang":
        a.hangMs = num(flag, v);
        i++;
        break;
      case "--max-growth":
        a.maxGrowthMiB = num(flag, v);
        i++;
        break;
      case "--batch":
        a.batch = Math.max(1, num(flag, v));
        i++;
        break;
      case "--dump":
        a.dump = v;
        i++;
        break;
      case "--report":
        a.report = v;
        i++;
        break;
      case "--target": {
        const ts = (v ?? "").split(",");
        for (const t of ts) if (!(TARGETS as readonly string[]).includes(t)) throw new Error(`unknown target ${JSON.stringify(t)}`);
        a.targets = ts as Target[];
        i++;
        break;
      }
      case "-h":
      case "--help":
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return a;
}

/** Reproduces one input in this process and tells all about it. */
async function reproduce(a: Args): Promise<number> {
  const { loadCorpus } = await import("./corpus.js");
  const { isExpectedError, makeInput, runTarget } = await import("./targets.js");
  const corpus = await loadCorpus();
  let failed = false;
  for (const target of a.targets) {
    const input = makeInput(corpus, target, a.seed, a.index!);
    console.log(
      `${target} seed ${a.seed} index ${a.index}: ${input.bytes.length} bytes from ${input.base}, mutations: ${input.mutations.join(", ") || "none"}${input.chunks.length ? `, fed in ${input.chunks.length} chunks` : ""}${target === "json" ? `, validate ${input.validate}` : ""}`,
    );
    if (a.dump !== undefined) {
      const path = a.targets.length > 1 ? `${a.dump}.${target}` : a.dump;
      writeFileSync(path, input.bytes);
      console.log(`  input written to ${path}`);
    }
    const t0 = performance.now();
    try {
      await runTarget(input);
      console.log(`  completed in ${(performance.now() - t0).toFixed(1)} ms`);
    } catch (e) {
      const ms = performance.now() - t0;
      if (isExpectedError(target, e)) {
        console.log(`  rejected in ${ms.toFixed(1)} ms: ${describeError(e)}`);
      } else {
        failed = true;
        console.log(`  FAILURE in ${ms.toFixed(1)} ms: ${e instanceof Error ? e.stack : String(e)}`);
      }
      if (ms > a.timeoutMs) failed = true;
    }
  }
  return failed ? 1 : 0;
}

interface Job {
  target: Target;
  from: number;
  to: number;
}

/** Runs the campaign over worker threads; returns per-target stats. */
async function campaign(a: Args): Promise<Map<Target, Stats>> {
  const stats = new Map<Target, Stats>(a.targets.map((t) => [t, newStats(t)]));
  const queue: Job[] = [];
  // Interleave targets so a short campaign covers all of them.
  for (let from = a.start; from < a.start + a.inputs; from += a.batch) {
    for (const target of a.targets) queue.push({ target, from, to: Math.min(a.start + a.inputs, from + a.batch) });
  }
  const t0 = Date.now();
  let lastReport = t0;
  const total = queue.length;
  let doneJobs = 0;

  await new Promise<void>((resolveAll, rejectAll) => {
    let live = 0;
    const startWorker = (): void => {
      const shared = new SharedArrayBuffer(16);
      const current = new Float64Array(shared);
      const worker = new Worker(new URL("./worker.js", import.meta.url), {
        workerData: { current: shared, targets: a.targets },
        resourceLimits: { maxOldGenerationSizeMb: OLD_GENERATION_MB },
      });
      live++;
      let job: Job | undefined;
      let finished = false;
      const next = (): void => {
        job = queue.shift();
        if (job === undefined) {
          finished = true;
          void worker.terminate();
          return;
        }
        const m: BatchMessage = {
          type: "batch",
          target: job.target,
          seed: a.seed,
          from: job.from,
          to: job.to,
          timeoutMs: a.timeoutMs,
          maxGrowthBytes: a.maxGrowthMiB * 2 ** 20,
        };
        worker.postMessage(m);
      };
      /** The worker died or hung on its current input: charge it, requeue the rest of the batch, start another. */
      const lost = (kind: "hang" | "crash", why: string): void => {
        if (finished) return;
        finished = true;
        clearInterval(watch);
        if (job !== undefined) {
          const index = current[1] === 0 ? job.from : current[0]!;
          const s = stats.get(job.target)!;
          const f: Failure = failureOf({ target: job.target, seed: a.seed, index }, kind, why, Date.now() - (current[1] || Date.now()));
          s.failures.push(f);
          s.inputs++;
          console.log(`  ${kind}: ${f.error}\n    reproduce: ${f.reproduce}`);
          if (index > job.from) queue.unshift({ target: job.target, from: job.from, to: index });
          if (index + 1 < job.to) queue.unshift({ target: job.target, from: index + 1, to: job.to });
        }
        void worker.terminate();
        startWorker();
      };
      const watch = setInterval(() => {
        if (current[1] !== 0 && Date.now() - current[1]! > a.hangMs) lost("hang", `input ran over ${a.hangMs} ms; worker terminated`);
      }, 100);
      worker.on("message", (m: { type: "ready" } | { type: "done"; stats: Stats }) => {
        if (m.type === "done") {
          mergeStats(stats.get(m.stats.target)!, m.stats);
          for (const f of m.stats.failures) console.log(`  ${f.kind} ${f.target} #${f.index}: ${f.error}\n    reproduce: ${f.reproduce}`);
          doneJobs++;
          const now = Date.now();
          if (now - lastReport > 15_000) {
            lastReport = now;
            const counts = [...stats.values()].map((s) => `${s.target} ${s.inputs}`).join(", ");
            console.log(`[${((now - t0) / 1000).toFixed(0)} s] ${doneJobs}/${total} batches: ${counts}; peak RSS ${(peakRssBytes() / 2 ** 20).toFixed(0)} MiB`);
          }
        }
        next();
      });
      worker.on("error", (e) => lost("crash", `worker died: ${describeError(e)}`));
      worker.on("exit", () => {
        clearInterval(watch);
        if (!finished) lost("crash", "worker exited");
        live--;
        if (live === 0) {
          if (queue.length === 0) resolveAll();
          else rejectAll(new Error("all workers exited with work left"));
        }
      });
    };
    for (let j = 0; j < Math.min(a.jobs, Math.max(1, total)); j++) startWorker();
  });
  return stats;
}

function report(a: Args, stats: Map<Target, Stats>, seconds: number): boolean {
  let failures = 0;
  console.log(`\nfuzz campaign: seed ${a.seed}, inputs ${a.start}..${a.start + a.inputs - 1} per target, ${a.jobs} worker(s), ${seconds.toFixed(1)} s`);
  for (const s of stats.values()) {
    const rejected =
      Object.entries(s.rejected)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "none";
    const mean = s.inputs > 0 ? s.totalMs / s.inputs : 0;
    console.log(
      `  ${s.target.padEnd(5)} ${s.inputs} inputs: ${s.completed} completed, rejected: ${rejected}; failures ${s.failures.length}; slowest ${s.slowestMs.toFixed(1)} ms (index ${s.slowestIndex}); mean ${mean.toFixed(2)} ms; mean size ${s.inputs ? (s.inputBytes / s.inputs / 1024).toFixed(1) : 0} KiB`,
    );
    failures += s.failures.length;
  }
  const groups = new Map<string, Failure[]>();
  for (const s of stats.values()) for (const f of s.failures) groups.set(f.signature, [...(groups.get(f.signature) ?? []), f]);
  for (const [sig, fs] of groups) {
    console.log(`\nFAILURE x${fs.length}: ${sig}\n  ${fs[0]!.error}`);
    for (const f of fs.slice(0, 3)) console.log(`  reproduce: ${f.reproduce}`);
  }
  console.log(
    `\npeak RSS (VmHWM): ${(peakRssBytes() / 2 ** 20).toFixed(1)} MiB; total inputs ${[...stats.values()].reduce((n, s) => n + s.inputs, 0)}; failures ${failures}`,
  );
  if (a.report !== undefined) {
    writeFileSync(
      a.report,
      JSON.stringify(
        { seed: a.seed, start: a.start, inputs: a.inputs, jobs: a.jobs, seconds, peakRssBytes: peakRssBytes(), targets: [...stats.values()] },
        null,
        2,
      ),
    );
  }
  return failures === 0;
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  if (a.index !== undefined) return reproduce(a);
  const t0 = performance.now();
  const stats = await campaign(a);
  return report(a, stats, (performance.now() - t0) / 1000) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
