/**
 * The exhaustive truncation campaign: every proper prefix of every fixture,
 * as a QEMU stream and as its BER import, must be rejected as incomplete
 * (the one exception: a stream cut right after its EOF record, before the
 * optional vmdesc, is complete and may be accepted; the tool says which it
 * was). Quadratic, so not a CI test (prefixes.test.ts samples the same
 * check):
 *
 *   npm run truncation -- [--jobs J] [--only NAME] [--format qemu|ber]
 *
 * (About 4 CPU-hours for the bundled fixtures, mostly in the QEMU streams'
 * device sections, which every later prefix decodes again; run Node with
 * --single-threaded-gc, which saves the garbage collector's thread hand-offs.)
 *
 * Prefixes are dealt out to J worker threads (k ≡ j mod J). Prints, per
 * fixture and format, the prefixes checked, the failures (first ones with
 * their offsets and errors) and the time; exits 1 on any failure.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { type PrefixFormat, berOf, eofRecordAt, isIncomplete, prefixFailure } from "./prefix-check.js";

interface Job {
  readonly file: string;
  readonly format: PrefixFormat;
  readonly worker: number;
  readonly workers: number;
}

interface Outcome {
  checked: number;
  /** What became of the prefix that ends at the EOF record (QEMU streams). */
  endAtEof?: string;
  failures: { length: number; error: string }[];
  failureCount: number;
}

const FIXTURES = fileURLToPath(new URL("../../../fixtures/qemu-7.2/", import.meta.url));
const SHOWN_FAILURES = 10;

async function runJob(job: Job): Promise<Outcome> {
  const mig = new Uint8Array(readFileSync(FIXTURES + job.file));
  const bytes = job.format === "qemu" ? mig : await berOf(mig);
  const complete = job.format === "qemu" ? eofRecordAt(mig) : -1;
  const out: Outcome = { checked: 0, failures: [], failureCount: 0 };
  for (let length = job.worker; length < bytes.length; length += job.workers) {
    const e = await prefixFailure(job.format, bytes, length);
    // The stream that ends at its EOF record is complete, and imports; but
    // without the vmdesc, devices of an old machine type can only be told
    // apart from a cut stream by models of their own layout (pc-old23).
    const ok = isIncomplete(e) || (length === complete && e === undefined);
    if (length === complete) out.endAtEof = e === undefined ? "accepted" : isIncomplete(e) ? "rejected as incomplete" : "rejected";
    out.checked++;
    if (ok) continue;
    out.failureCount++;
    if (out.failures.length < SHOWN_FAILURES)
      out.failures.push({ length, error: e === undefined ? "accepted" : `${(e as Error).name}: ${(e as Error).message}` });
  }
  return out;
}

function runInWorker(job: Job): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    w.once("message", (m: Outcome) => resolve(m));
    w.once("error", reject);
    w.once("exit", (code) => code !== 0 && reject(new Error(`worker for ${job.file} (${job.format}) exited with ${code}`)));
  });
}

function parseArgs(argv: string[]): { jobs: number; only: string | undefined; formats: PrefixFormat[] } {
  const a = { jobs: 2, only: undefined as string | undefined, formats: ["ber", "qemu"] as PrefixFormat[] };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1];
    if (argv[i] === "--jobs" && Number(v) >= 1) a.jobs = Number(v);
    else if (argv[i] === "--only" && v) a.only = v;
    else if (argv[i] === "--format" && (v === "qemu" || v === "ber")) a.formats = [v];
    else throw new Error("usage: npm run truncation -- [--jobs J] [--only NAME] [--format qemu|ber]");
  }
  return a;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  // Smallest first: the cost grows with the square of the size.
  const files = readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".mig") && (!args.only || f.includes(args.only)))
    .sort((a, b) => statSync(FIXTURES + a).size - statSync(FIXTURES + b).size);
  let total = 0;
  let failed = 0;
  const started = performance.now();
  for (const file of files) {
    for (const format of args.formats) {
      const t = performance.now();
      const parts = await Promise.all(Array.from({ length: args.jobs }, (_, worker) => runInWorker({ file, format, worker, workers: args.jobs })));
      const checked = parts.reduce((n, p) => n + p.checked, 0);
      const failures = parts.reduce((n, p) => n + p.failureCount, 0);
      total += checked;
      failed += failures;
      console.log(
        `${new Date().toISOString().slice(11, 19)} ${file} ${format.padEnd(4)} ${String(checked).padStart(8)} prefixes, ${failures} failures, ${((performance.now() - t) / 1000).toFixed(0)} s`,
      );
      const endAtEof = parts.find((p) => p.endAtEof !== undefined)?.endAtEof;
      if (endAtEof !== undefined) console.log(`  the prefix ending at the EOF record (before the vmdesc): ${endAtEof}`);
      for (const f of parts
        .flatMap((p) => p.failures)
        .sort((x, y) => x.length - y.length)
        .slice(0, SHOWN_FAILURES))
        console.log(`  cut at ${f.length}: ${f.error}`);
    }
  }
  console.log(`all: ${total} prefixes of ${files.length} fixtures, ${failed} failures, ${((performance.now() - started) / 60000).toFixed(1)} min`);
  return failed === 0 ? 0 : 1;
}

if (isMainThread) process.exitCode = await main();
else parentPort!.postMessage(await runJob(workerData as Job));
