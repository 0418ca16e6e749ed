/**
 * Output files are written under a temporary name beside the target, synced
 * and renamed on success; a failure removes the temporary file, so no
 * partial output is ever left, and the input is never the output. Every
 * temporary and output is registered with cleanup.ts, which takes them back
 * if the command fails later or is interrupted. A symbolic link is followed
 * (its target is replaced, the link stays), and devices and named pipes
 * (/dev/null, a FIFO) are written in place: renaming a file over them would
 * replace the device.
 */
import { once } from "node:events";
import { type Stats, createReadStream, createWriteStream, lstatSync, realpathSync, statSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve, sep } from "node:path";
import { type ByteSink, fileSink } from "@qber/core";
import type { PassOutput } from "@qber/snapshot/json";
import { forget, madeFile, moveMade } from "./cleanup.js";
import { UsageError, systemReason } from "./errors.js";

/** The file a symbolic link points to (the path itself when it is no link, or a dangling one). */
function followLink(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  } catch {
    return path;
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/** Whether `path` exists and is neither a regular file nor a directory. */
function isSpecialFile(path: string): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  return st !== undefined && !st.isFile() && !st.isDirectory();
}

/** A temporary file beside `path`, or in the system's temporary directory for stdout and devices. */
function temporaryName(path: string, suffix = ""): string {
  const dir = path === "-" || isSpecialFile(path) ? tmpdir() : dirname(path);
  return join(dir, `.${path === "-" ? "stdout" : basename(path)}${suffix}.qber-${process.pid}-${Date.now().toString(36)}.tmp`);
}

/** Runs `work` with the path of a temporary file beside `path`, removed afterwards. */
export async function withTemporary<T>(path: string, work: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = temporaryName(path, ".pass1");
  madeFile(tmp);
  try {
    return await work(tmp);
  } finally {
    await unlink(tmp).catch(() => undefined);
    forget(tmp);
  }
}

/**
 * Refuses an output that cannot be written: the input itself, a directory,
 * or a file in a folder that does not exist (outputs never create folders;
 * only extract-ram's -o is a folder, which it makes). Every command that
 * writes a file checks this before its work; `-` (stdout) always passes.
 * Resolves to what is at `path` now (undefined: nothing).
 */
export function checkOutput(path: string, inputs: readonly string[]): Stats | undefined {
  if (path === "-") return undefined;
  for (const input of inputs) {
    if (input !== "-" && sameFile(input, path)) throw new UsageError(`refusing to write ${path}: it is also the input`);
  }
  const st = statSync(path, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new UsageError(`cannot write ${path}: it is a directory`, 1);
  if (st === undefined && (path.endsWith(sep) || statSync(dirname(path), { throwIfNoEntry: false })?.isDirectory() !== true)) {
    throw new UsageError(`cannot write ${path}: no such directory`, 1);
  }
  return st;
}

export async function withOutput<T>(path: string, inputs: readonly string[], write: (out: ByteSink) => Promise<T>): Promise<T> {
  if (path === "-") return write(process.stdout);
  const st = checkOutput(path, inputs);
  if (st !== undefined && !st.isFile()) return writeInPlace(path, write);
  const target = followLink(path);
  const tmp = temporaryName(target);
  madeFile(tmp);
  const sink = await fileSink(tmp).catch((e: NodeJS.ErrnoException) => {
    forget(tmp);
    throw new UsageError(`cannot write ${path}: ${e.code === "ENOENT" ? "no such directory" : (systemReason(e) ?? e.message)}`, 1);
  });
  try {
    const result = await write(sink);
    await sink.close();
    moveMade(tmp, target);
    return result;
  } catch (e) {
    await sink.abort().catch(() => undefined);
    forget(tmp);
    throw e;
  }
}

/**
 * The output as the library's two-pass writers see it: a regular file is
 * written under a temporary name, so a pass can be dropped; stdout, devices
 * and pipes are written in place and cannot take a pass back.
 */
export function passOutput(path: string, inputs: readonly string[]): PassOutput {
  return { discards: path !== "-" && !isSpecialFile(path), write: (pass) => withOutput(path, inputs, pass) };
}

async function writeInPlace<T>(path: string, write: (out: ByteSink) => Promise<T>): Promise<T> {
  const out = createWriteStream(path);
  await once(out, "open");
  try {
    const result = await write(out);
    await new Promise<void>((done, fail) => out.end((e?: Error | null) => (e ? fail(e) : done())));
    return result;
  } catch (e) {
    out.destroy();
    throw e;
  }
}

/**
 * For writers that need a file they can seek in: `work` gets the path of a
 * temporary file, which replaces `path` on success (as withOutput does).
 * Standard output and devices get the finished file's bytes copied to them.
 */
export async function withOutputFile<T>(path: string, inputs: readonly string[], work: (file: string) => Promise<T>): Promise<T> {
  const st = checkOutput(path, inputs);
  if (path === "-" || (st !== undefined && !st.isFile())) {
    return withTemporary(path, async (tmp) => {
      const result = await work(tmp);
      const from = createReadStream(tmp, { highWaterMark: 1 << 20 });
      if (path === "-") await pipeline(from, process.stdout, { end: false });
      else await pipeline(from, createWriteStream(path));
      return result;
    });
  }
  const target = followLink(path);
  const tmp = temporaryName(target);
  madeFile(tmp);
  try {
    const result = await work(tmp);
    moveMade(tmp, target);
    return result;
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    forget(tmp);
    throw e;
  }
}
