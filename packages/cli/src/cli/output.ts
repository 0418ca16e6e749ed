/**
 * Output files are written under a temporary name beside the target, synced
 * and renamed on success; a failure removes the temporary file, so no
 * partial output is ever left, and the input is never the output.
 */
import { realpathSync } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { type ByteSink, fileSink } from "@qber/core";
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

export async function withOutput<T>(path: string, inputs: readonly string[], write: (out: ByteSink) => Promise<T>): Promise<T> {
  if (path === "-") return write(process.stdout);
  for (const input of inputs) {
    if (input !== "-" && sameFile(input, path)) throw new UsageError(`refusing to write ${path}: it is also the input`);
  }
  const tmp = temporaryName(path);
  const sink = await fileSink(tmp).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot write ${path}: ${e.code === "ENOENT" ? "no such directory" : e.message}`, 1);
  });
  try {
    const result = await write(sink);
    await sink.close();
    await rename(tmp, path);
    return result;
  } catch (e) {
    await sink.abort().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
