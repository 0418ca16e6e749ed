/**
 * Runs the qber CLI in-process for end-to-end tests: `main(argv)` with
 * stdout and stderr captured (and stdin fed, when given).
 */
import { Readable } from "node:stream";
import { vi } from "vitest";
import { stdin } from "../src/cli/input.js";
import { main } from "../src/cli/program.js";

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout as bytes (for binary output to `-o -`). */
  readonly stdoutBytes: Buffer;
}

/** Runs `qber ...argv` in-process. */
export async function runCli(argv: readonly string[], options: { stdin?: Uint8Array } = {}): Promise<Run> {
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
  const i = options.stdin ? vi.spyOn(stdin, "source").mockReturnValue(Readable.from([Buffer.from(options.stdin)])) : undefined;
  try {
    const code = await main(argv);
    const bytes = Buffer.concat(out);
    return { code, stdout: bytes.toString("utf8"), stderr, stdoutBytes: bytes };
  } finally {
    o.mockRestore();
    e.mockRestore();
    i?.mockRestore();
  }
}
