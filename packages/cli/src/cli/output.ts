/**
 * Output files are written under a temporary name beside the target and
 * renamed on success; a failure removes the temporary file, so no partial
 * output is ever left, and the input is never the output.
 */
import { createWriteStream, realpathSync } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { Writable } from "node:stream";
import { UsageError } from "./errors.js";

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

function temporaryName(path: string): string {
  const dir = path === "-" ? tmpdir() : dirname(path);
  return join(dir, `.${path === "-" ? "stdout" : basename(path)}.qber-${process.pid}-${Date.now().toString(36)}.tmp`);
}

/** Runs `work` with the path of a temporary file beside `path`, removed afterwards. */
export async function withTemporary<T>(path: string, work: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = temporaryName(`${path}.pass1`);
  try {
    return await work(tmp);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

export async function withOutput<T>(path: string, inputs: readonly string[], write: (out: Writable) => Promise<T>): Promise<T> {
  if (path === "-") {
    const result = await write(process.stdout);
    return result;
  }
  for (const input of inputs) {
    if (input !== "-" && sameFile(input, path)) throw new UsageError(`refusing to write ${path}: it is also the input`);
  }
  const tmp = temporaryName(path);
  const out = createWriteStream(tmp);
  const opened = new Promise<void>((ok, fail) => {
    out.once("open", () => ok());
    out.once("error", fail);
  });
  try {
    await opened;
    const result = await write(out);
    await new Promise<void>((ok, fail) => {
      out.once("error", fail);
      out.end(() => ok());
    });
    await rename(tmp, path);
    return result;
  } catch (e) {
    out.destroy();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
