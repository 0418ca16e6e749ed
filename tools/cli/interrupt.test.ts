/**
 * Interrupting the qber command (the bundled bin, as a process) mid-way:
 * SIGINT, SIGTERM and SIGHUP leave no temporary and no output behind, print
 * "qber: interrupted" and end with the status a shell shows as 128 + the
 * signal's number. Each command reads from a FIFO on its stdin (as
 * `... | qber CMD -` does) that the test fills halfway and then leaves
 * open; the test signals once the command is visibly at work: the first
 * half has been read (the blocking write into the FIFO returned) and, where
 * the command writes files, its temporary has appeared. compose reads no
 * stream: it is signalled while it writes to a pipe the test stops reading.
 * A closed stdout (EPIPE) removes temporaries too. No timing: every wait
 * is for an event, with a timeout only as a guard against a hang.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const qber = fileURLToPath(new URL("../../packages/cli/bin/qber.js", import.meta.url));
const fixture = fileURLToPath(new URL("../../fixtures/qemu-7.2/pc-defaults.mig", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "qber-interrupt-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const inputs: { mig: Buffer; ber: Buffer; json: Buffer } = { mig: readFileSync(fixture), ber: Buffer.alloc(0), json: Buffer.alloc(0) };
beforeAll(() => {
  const ber = join(root, "in.ber");
  const json = join(root, "in.json");
  for (const args of [
    ["import", fixture, "-o", ber],
    ["decode", ber, "-o", json],
  ]) {
    const r = spawnSync("node", [qber, ...args], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`qber ${args.join(" ")}: ${r.stderr}`);
  }
  inputs.ber = readFileSync(ber);
  inputs.json = readFileSync(json);
});

/** Every path under `dir`, relative, sorted ("" for a missing dir). */
function listing(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

/** Waits for `ready()`; the timeout only guards against a hang. */
async function until(ready: () => boolean, what: string, child: ChildProcess, guardMs = 30_000): Promise<void> {
  const end = Date.now() + guardMs;
  while (!ready()) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the command ended before ${what}`);
    if (Date.now() > end) throw new Error(`no ${what} after ${guardMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The status a shell reports: the exit code, or 128 + the number of the signal that ended the process. */
function shellStatus(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + constants.signals[signal!];
}

interface Ended {
  readonly status: number;
  readonly stderr: string;
}

function collect(child: ChildProcess): { stderr: () => string; ended: Promise<[number | null, NodeJS.Signals | null]> } {
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const ended = once(child, "close") as Promise<[number | null, NodeJS.Signals | null]>;
  return { stderr: () => stderr, ended };
}

interface Case {
  readonly input: keyof typeof inputs;
  /** The command line; `out` is the folder outputs go to. */
  readonly args: (out: string) => string[];
  /** Whether the command is visibly at work beyond reading (its temporary exists), given the output folder and TMPDIR. */
  readonly started: (out: string, tmp: string) => boolean;
}

const temporaryIn = (dir: string) => () => listing(dir).some((f) => f.endsWith(".tmp"));
const reading = () => true;

const cases: Record<string, Case> = {
  import: { input: "mig", args: (out) => ["import", "-", "-o", join(out, "vm.ber")], started: (out) => temporaryIn(out)() },
  export: { input: "ber", args: (out) => ["export", "-", "-o", join(out, "vm.mig")], started: (out) => temporaryIn(out)() },
  decode: { input: "mig", args: (out) => ["decode", "-", "-o", join(out, "vm.json")], started: (out) => temporaryIn(out)() },
  encode: { input: "json", args: (out) => ["encode", "-", "-o", join(out, "vm.ber")], started: (_, tmp) => listing(tmp).some((f) => f.endsWith("stdin.json")) },
  "extract-ram": { input: "mig", args: (out) => ["extract-ram", "-", "-o", join(out, "ram")], started: (out) => temporaryIn(join(out, "ram"))() },
  diff: { input: "mig", args: () => ["diff", fixture, "-"], started: reading },
  report: { input: "mig", args: (out) => ["report", "-", "-o", join(out, "vm.html")], started: reading },
};

/** A fresh output folder (holding one file of the user's) and TMPDIR. */
function folders(name: string): { out: string; tmp: string } {
  const base = mkdtempSync(join(root, `${name}-`));
  const out = join(base, "out");
  const tmp = join(base, "tmp");
  mkdirSync(out);
  mkdirSync(tmp);
  writeFileSync(join(out, "notes.txt"), "the user's\n");
  return { out, tmp };
}

/** Runs a case with half its input in a FIFO on stdin, signals it once at work, and reports how it ended. */
async function interruptReading(name: string, c: Case, signal: NodeJS.Signals): Promise<Ended & { out: string; tmp: string }> {
  const { out, tmp } = folders(name);
  const fifo = join(out, "..", "in.fifo");
  expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
  // bash opens the FIFO on stdin as a shell pipeline would, and execs node in its place.
  const child = spawn("bash", ["-c", 'exec node "$@" < "$FIFO"', "bash", qber, ...c.args(out)], {
    env: { ...process.env, TMPDIR: tmp, FIFO: fifo },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.resume();
  const { stderr, ended } = collect(child);
  const writer = createWriteStream(fifo);
  writer.on("error", () => undefined); // EPIPE once the command is gone
  const input = inputs[c.input];
  // The write into the FIFO returns when all but a pipe's buffer of it has been read.
  await new Promise<void>((resolve, reject) => writer.write(input.subarray(0, input.length >> 1), (e) => (e ? reject(e) : resolve())));
  await until(() => c.started(out, tmp), "temporary", child);
  child.kill(signal);
  const [code, sig] = await ended;
  writer.destroy();
  rmSync(fifo);
  return { status: shellStatus(code, sig), stderr: stderr(), out, tmp };
}

const SIGNALS: readonly [NodeJS.Signals, number][] = [
  ["SIGINT", 130],
  ["SIGTERM", 143],
];

describe("an interrupted command leaves nothing behind", () => {
  for (const [name, c] of Object.entries(cases)) {
    for (const [signal, status] of SIGNALS) {
      it(`${name}, ${signal} while reading a paused pipe: status ${status}, no new file, no temporary`, async () => {
        const r = await interruptReading(name, c, signal);
        expect(r.stderr).toBe("qber: interrupted\n");
        expect(r.status).toBe(status);
        expect(listing(r.out)).toEqual(["notes.txt"]);
        expect(listing(r.tmp)).toEqual([]);
      });
    }
  }

  it("import, SIGHUP: status 129", async () => {
    const r = await interruptReading("import", cases.import!, "SIGHUP");
    expect(r.stderr).toBe("qber: interrupted\n");
    expect(r.status).toBe(129);
    expect(listing(r.out)).toEqual(["notes.txt"]);
  });

  for (const [signal, status] of SIGNALS) {
    it(`compose, ${signal} while writing to a pipe nobody reads: status ${status}, nothing left`, async () => {
      const { out, tmp } = folders("compose");
      const child = spawn("node", [qber, "compose", "--machine", "pc", "--memory", "4G", "--format", "qemu", "-o", "-"], {
        cwd: out,
        env: { ...process.env, TMPDIR: tmp },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const { stderr, ended } = collect(child);
      // The first bytes show it at work; then nobody reads, and its output (MBs) cannot all fit in the pipe.
      await once(child.stdout!, "data");
      child.stdout!.pause();
      child.kill(signal);
      const [code, sig] = await ended;
      expect(stderr()).toBe("qber: interrupted\n");
      expect(shellStatus(code, sig)).toBe(status);
      expect(listing(out)).toEqual(["notes.txt"]);
      expect(listing(tmp)).toEqual([]);
    });
  }
});

describe("a closed stdout (EPIPE) removes temporaries", () => {
  const sh = (command: string, tmp: string) => spawnSync("bash", ["-c", command], { encoding: "utf8", env: { ...process.env, TMPDIR: tmp } });

  it("import --der -o - | head: the first pass's temporary is gone", () => {
    const { tmp } = folders("epipe-der");
    const r = sh(`node ${qber} import ${fixture} --der -o - | head -c 4 | od -An -tx1`, tmp);
    expect(r.stdout.trim()).toBe("7f cd c5 51");
    expect(r.stderr).toBe("");
    expect(listing(tmp)).toEqual([]);
  });

  it("encode - -o - | head: the spooled JSON is gone", () => {
    const { out, tmp } = folders("epipe-encode");
    const json = join(out, "vm.json");
    writeFileSync(json, inputs.json);
    const r = sh(`cat ${json} | node ${qber} encode - -o - | head -c 4 | od -An -tx1`, tmp);
    expect(r.stdout.trim()).toBe("7f cd c5 51");
    expect(r.stderr).toBe("");
    expect(listing(tmp)).toEqual([]);
  });
});
