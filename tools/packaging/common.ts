/**
 * Helpers shared by the packaging tests: the published packages, a child
 * process runner and an environment for npm runs outside the repository.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The published packages, in dependency order (directory under packages/). */
export const packages = ["core", "ram", "vmstate", "devices", "qemu", "snapshot", "cli"] as const;
export type PackageDir = (typeof packages)[number];

/**
 * The public repository, as every package.json names it (repository,
 * homepage, bugs) and the READMEs link it. A placeholder until the
 * repository is public: change it here and in those files together.
 */
export const repositoryUrl = "https://github.com/qber-project/qber";

export const npm = process.platform === "win32" ? "npm.cmd" : "npm";
export const npx = process.platform === "win32" ? "npx.cmd" : "npx";

/**
 * The environment for npm runs in a directory outside the repository. When
 * the tests run under `npm test`, npm has put the repository's own prefix,
 * workspace and package settings in npm_* variables; those would make an
 * `npm install` in the temporary directory act on the repository. The
 * registry, cache and user config settings are kept (so a CI mirror and the
 * cache `npm ci` filled are used).
 */
export function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    const key = k.toLowerCase();
    if (key.startsWith("npm_package_") || key.startsWith("npm_lifecycle_")) continue;
    if (/^npm_config_(local_prefix|prefix|global_prefix|workspaces?|include_workspace_root|ignore_scripts|dry_run|global|save.*)$/.test(key)) continue;
    if (key === "init_cwd" || key === "npm_command") continue;
    env[k] = v;
  }
  env.npm_config_update_notifier = "false";
  env.npm_config_fund = "false";
  env.npm_config_audit = "false";
  env.NO_COLOR = "1";
  return env;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; never rejects on a non-zero exit (the caller asserts on `code`). */
export function run(cmd: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: options.cwd, env: options.env ?? npmEnv(), timeout: options.timeout ?? 120_000, maxBuffer: 64 << 20, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          reject(new Error(`${cmd} ${args.join(" ")}: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs a command and fails with its output unless it exits 0. */
export async function runOk(cmd: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code} (in ${options.cwd})\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}
