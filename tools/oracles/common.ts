/**
 * Helpers shared by the oracle harnesses: locating qber's ASN.1 module and
 * external programs, running processes, and a build cache under os.tmpdir().
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of qber's ASN.1 module (packages/core/asn1/qemu-migration.asn1). */
export function asn1ModulePath(): string {
  const env = process.env.QBER_ASN1_MODULE;
  if (env) return path.resolve(env);
  try {
    return createRequire(import.meta.url).resolve("@qber/core/asn1/qemu-migration.asn1");
  } catch {
    return fileURLToPath(new URL("../../packages/core/asn1/qemu-migration.asn1", import.meta.url));
  }
}

/** The module's text and a short hash of it plus `salt` (oracle version, build recipe). */
export function moduleKey(salt: string): { file: string; text: string; hash: string } {
  const file = asn1ModulePath();
  const text = readFileSync(file, "utf8");
  const hash = createHash("sha256").update(salt).update("\0").update(text).digest("hex").slice(0, 16);
  return { file, text, hash };
}

/** Full path of an executable found on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Synchronous probe: runs a command and returns its stdout+stderr, or undefined when it cannot run. */
export function probe(cmd: string, args: string[]): { status: number | null; output: string } | undefined {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
  if (r.error) return undefined;
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a program to completion, collecting stdout as bytes. Never rejects on a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string; input?: Uint8Array; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      stdio: [opts.input ? "pipe" : "ignore", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? 300_000,
      killSignal: "SIGKILL",
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8"), ms: performance.now() - t0 }),
    );
    if (opts.input && child.stdin) child.stdin.end(opts.input);
  });
}

/** Runs a program and throws with its output when it does not exit 0. */
export async function runOk(cmd: string, args: readonly string[], opts: { cwd?: string } = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.code ?? r.signal}) in ${opts.cwd ?? process.cwd()}:\n${r.stderr}${r.stdout.toString("utf8")}`);
  }
  return r;
}

/** Root of the oracles' build cache. QBER_ORACLE_CACHE overrides; "0" disables the on-disk cache. */
export function cacheRoot(): string | undefined {
  const env = process.env.QBER_ORACLE_CACHE;
  if (env === "0") return undefined;
  return env ? path.resolve(env) : path.join(os.tmpdir(), "qber-oracles");
}

/** A fresh temporary directory. */
export function freshDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * Returns `<cacheRoot>/<name>` when it holds `marker`; otherwise builds into a
 * fresh directory with `build(dir)` and moves it into the cache atomically
 * (another process racing us may win; its copy is then used). Without a
 * cache, the fresh directory itself is returned.
 */
export async function cachedBuild(name: string, marker: string, build: (dir: string) => Promise<void>): Promise<string> {
  const root = cacheRoot();
  const target = root === undefined ? undefined : path.join(root, name);
  if (target !== undefined && existsSync(path.join(target, marker))) return target;
  const dir = await freshDir(`qber-${name}-`);
  await build(dir);
  if (target === undefined) return dir;
  try {
    mkdirSync(path.dirname(target), { recursive: true });
    renameSync(dir, target);
    return target;
  } catch {
    if (existsSync(path.join(target, marker))) {
      rmSync(dir, { recursive: true, force: true });
      return target;
    }
    return dir; // cache not writable: use the private build
  }
}
