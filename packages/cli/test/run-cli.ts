/**
 * Runs the qber CLI in-process for end-to-end tests: `main(argv)` with
 * stdout and stderr captured (and stdin fed, when given). Commands that
 * program.ts does not wire yet are registered on a program built by
 * buildProgram, with main's error handling, so tests run before and after
 * the lead wires them.
 */
import { Readable } from "node:stream";
import { CommanderError, type Command } from "commander";
import { isQberError } from "@qber/core";
import { vi } from "vitest";
import { UsageError } from "../src/cli/errors.js";
import { buildProgram, main } from "../src/cli/program.js";

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout as bytes (for binary output to `-o -`). */
  readonly stdoutBytes: Buffer;
}

export type Register = (program: Command) => void;

async function runWith(argv: readonly string[], commands: Readonly<Record<string, Register>>): Promise<number> {
  const have = new Set(buildProgram().commands.map((c) => c.name()));
  const missing = Object.entries(commands).filter(([name]) => !have.has(name));
  if (missing.length === 0) return main(argv);
  const program = buildProgram();
  for (const [, register] of missing) register(program);
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    process.stderr.write(`qber: ${(e as Error).message}\n`);
    if (e instanceof UsageError) return e.exitCode;
    return isQberError(e) ? 1 : 1;
  }
}

/** Runs `qber ...argv`; `commands` maps command names to their registration functions. */
export async function runCli(argv: readonly string[], commands: Readonly<Record<string, Register>> = {}, options: { stdin?: Uint8Array } = {}): Promise<Run> {
  const out: Buffer[] = [];
  let stderr = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation(((c: string | Uint8Array, ...rest: unknown[]) => {
    out.push(typeof c === "string" ? Buffer.from(c) : Buffer.from(c));
    const cb = rest.find((x) => typeof x === "function") as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write);
  const e = vi.spyOn(process.stderr, "write").mockImplementation(((c: string | Uint8Array) => {
    stderr += typeof c === "string" ? c : Buffer.from(c).toString();
    return true;
  }) as typeof process.stderr.write);
  const i = options.stdin ? vi.spyOn(process, "stdin", "get").mockReturnValue(Readable.from([Buffer.from(options.stdin)]) as unknown as typeof process.stdin) : undefined;
  try {
    const code = await runWith(argv, commands);
    const bytes = Buffer.concat(out);
    return { code, stdout: bytes.toString("utf8"), stderr, stdoutBytes: bytes };
  } finally {
    o.mockRestore();
    e.mockRestore();
    i?.mockRestore();
  }
}
