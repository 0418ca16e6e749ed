/**
 * Compressed QEMU streams: the five formats libvirt writes save images in
 * (it pipes the stream through `gzip -c`, `bzip2 -c`, `xz -3 -c`, `lzop -c`,
 * `zstd -c`), told apart by their magic bytes.
 *
 * Decompressors (docs/bridge.md, "Containers"): gzip through Node's zlib;
 * the others through the very programs libvirt runs, found on PATH. They are
 * the reference implementations, stream in constant memory, run at native
 * speed in a process of their own (a second core), and are on every host
 * that has libvirt's save images; no npm package for lzop is kept up, and a
 * WebAssembly xz or zstd would run slower on the one core Node has. A missing
 * program is an error that names it.
 *
 * Both directions move chunks with a write callback per chunk, so a source
 * that reuses its buffers (fileSource) never has one overwritten while a
 * compressor still holds it, and memory stays at a few chunks.
 */
import { spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import { QberDecodeError } from "@qber/core";
import { containerError } from "./container.js";

export type Compression = "gzip" | "bzip2" | "xz" | "lzop" | "zstd";

interface Codec {
  readonly magic: readonly number[];
  /** The program for this format (none for gzip: Node's zlib). */
  readonly program?: string;
  /** How libvirt compresses (`-c`: to stdout). */
  readonly compressArgs: readonly string[];
  /** The Debian package that has the program, for the error that names it. */
  readonly apt?: string;
}

const CODECS: Record<Compression, Codec> = {
  gzip: { magic: [0x1f, 0x8b], compressArgs: [] },
  bzip2: { magic: [0x42, 0x5a, 0x68], program: "bzip2", compressArgs: ["-c"], apt: "bzip2" },
  xz: { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], program: "xz", compressArgs: ["-3", "-c"], apt: "xz-utils" },
  lzop: { magic: [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a], program: "lzop", compressArgs: ["-c"], apt: "lzop" },
  zstd: { magic: [0x28, 0xb5, 0x2f, 0xfd], program: "zstd", compressArgs: ["-c"], apt: "zstd" },
};

export const COMPRESSIONS: readonly Compression[] = ["gzip", "bzip2", "xz", "lzop", "zstd"];

/** The compression whose magic `head` starts with. */
export function sniffCompression(head: Uint8Array): Compression | undefined {
  return COMPRESSIONS.find((c) => CODECS[c].magic.every((b, i) => head[i] === b));
}

/** A running (de)compressor: bytes go into `input`, come out of `output`; `finished` rejects with its failure. */
interface Pipe {
  readonly input: Writable;
  readonly output: Readable;
  readonly finished: Promise<void>;
  kill(): void;
}

/** A missing decompressor: not a fault of the input. */
export class MissingProgramError extends Error {
  override readonly name = "MissingProgramError";
  constructor(
    readonly program: string,
    apt: string | undefined,
  ) {
    super(`${program}: program not found on PATH; it is needed to read and write ${program}-compressed data${apt ? ` (Debian package ${apt})` : ""}`);
  }
}

function programPipe(compression: Compression, args: readonly string[]): Pipe {
  const codec = CODECS[compression];
  const program = codec.program!;
  const child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s: string) => {
    if (stderr.length < 4096) stderr += s;
  });
  // A reader that stops early closes the pipe under a program still writing.
  child.stdin.on("error", () => undefined);
  const finished = new Promise<void>((resolve, reject) => {
    child.on("error", (e: NodeJS.ErrnoException) => reject(e.code === "ENOENT" ? new MissingProgramError(program, codec.apt) : e));
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(stderr.trim().split("\n")[0] || `${program} ${args.join(" ")} ended with ${signal ?? `exit status ${code}`}`));
    });
  });
  finished.catch(() => undefined);
  return { input: child.stdin, output: child.stdout, finished, kill: () => child.kill() };
}

function zlibPipe(compress: boolean): Pipe {
  const z = compress ? createGzip() : createGunzip();
  const finished = new Promise<void>((resolve, reject) => {
    z.on("error", reject);
    z.on("end", resolve);
  });
  finished.catch(() => undefined);
  return { input: z, output: z, finished, kill: () => z.destroy() };
}

function openPipe(compression: Compression, compress: boolean): Pipe {
  if (compression === "gzip") return zlibPipe(compress);
  return programPipe(compression, compress ? CODECS[compression].compressArgs : ["-d", "-c"]);
}

/** Writes a chunk and waits until the pipe is done with it (the source may reuse the buffer). */
function writeChunk(input: Writable, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => input.write(chunk, (e) => (e ? reject(e) : resolve())));
}

/**
 * Feeds `source` into the pipe. Stops when the pipe is closed under it (a
 * failed or killed decompressor): a write callback may then never come, and
 * the source must still be released.
 */
async function feed(source: AsyncIterable<Uint8Array>, pipe: Pipe): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    pipe.input.once("close", resolve);
    pipe.input.once("error", () => resolve());
  });
  for await (const chunk of source) {
    if (pipe.input.destroyed || pipe.input.writableEnded) return;
    await Promise.race([writeChunk(pipe.input, chunk).catch(() => undefined), closed]);
  }
  if (!pipe.input.destroyed) pipe.input.end();
}

export interface DecompressAt {
  /** Name of the input, for messages. */
  readonly name: string;
  /** Where the compressed data starts in the input. */
  readonly offset: number;
}

/**
 * The decompressed bytes of `source`. Corrupt or truncated data fails with a
 * QberDecodeError at the compressed data's offset that also says how many
 * bytes had come out; a missing program with MissingProgramError.
 */
export async function* decompress(compression: Compression, source: AsyncIterable<Uint8Array>, at: DecompressAt): AsyncGenerator<Uint8Array, void, undefined> {
  const pipe = openPipe(compression, false);
  const fed = feed(source, pipe);
  // A source that fails (a read error) leaves the decompressor waiting for more: stop it.
  fed.catch(() => pipe.kill());
  let produced = 0;
  const fail = (e: unknown): Error => {
    if (e instanceof MissingProgramError || (e as { name?: string }).name === "QberDecodeError") return e as Error;
    return containerError(
      new QberDecodeError(`${at.name}: corrupt or truncated ${compression} data (${(e as Error).message}); ${produced} bytes had been decompressed`, {
        offset: at.offset,
        cause: e,
      }),
    );
  };
  let done = false;
  try {
    try {
      for await (const chunk of pipe.output as AsyncIterable<Uint8Array>) {
        produced += chunk.length;
        yield chunk;
      }
      await Promise.all([fed, pipe.finished]);
    } catch (e) {
      pipe.kill();
      const sourceError: unknown = await fed.then(
        () => undefined,
        (x: unknown) => x,
      );
      if (sourceError !== undefined) throw sourceError;
      throw fail(
        await pipe.finished.then(
          () => e,
          (pe: unknown) => pe,
        ),
      );
    }
    done = true;
  } finally {
    if (!done) pipe.kill();
  }
}

/** A compressor whose output is handed to `write`, chunk by chunk. */
export interface CompressorSink {
  /** Compresses a chunk; the caller may reuse the buffer once this resolves. */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the input and waits for the last compressed bytes. */
  finish(): Promise<void>;
  /** Stops the program (after a failure elsewhere). */
  abort(): void;
}

export function compressor(compression: Compression, write: (chunk: Uint8Array) => Promise<void>): CompressorSink {
  const pipe = openPipe(compression, true);
  const pumped = (async () => {
    for await (const chunk of pipe.output as AsyncIterable<Uint8Array>) await write(chunk);
  })();
  pumped.catch(() => undefined);
  const failure = (e: unknown): Error =>
    e instanceof MissingProgramError ? e : new Error(`${compression} compression failed: ${(e as Error).message}`, { cause: e });
  return {
    async write(chunk) {
      try {
        await writeChunk(pipe.input, chunk);
      } catch (e) {
        throw failure(
          await pipe.finished.then(
            () => e,
            (pe: unknown) => pe,
          ),
        );
      }
    },
    async finish() {
      pipe.input.end();
      try {
        await Promise.all([pumped, pipe.finished]);
      } catch (e) {
        throw failure(e);
      }
    },
    abort: () => pipe.kill(),
  };
}
