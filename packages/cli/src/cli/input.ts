/**
 * Opening inputs: a path or `-` (stdin), and telling a qber BER file from a
 * QEMU stream by their first bytes.
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { type ByteSource, fileSource } from "@qber/core";
import { UsageError } from "./errors.js";

export type InputFormat = "ber" | "qemu";

export interface Input {
  readonly name: string;
  readonly format: InputFormat;
  readonly source: ByteSource;
  /** Size in bytes when known (files), for progress. */
  readonly size: number | undefined;
}

const BER_MAGIC = [0x7f, 0xcd, 0xc5, 0x51];
const QEMU_MAGIC = [0x51, 0x45, 0x56, 0x4d];

export function sniff(head: Uint8Array): InputFormat | undefined {
  const is = (m: number[]) => m.every((b, i) => head[i] === b);
  if (is(BER_MAGIC)) return "ber";
  if (is(QEMU_MAGIC)) return "qemu";
  return undefined;
}

function formatError(name: string, head: Uint8Array): UsageError {
  const got = Buffer.from(head.subarray(0, 4)).toString("hex").replace(/(..)(?!$)/g, "$1 ");
  return new UsageError(
    `${name}: not a qber file (7f cd c5 51) nor a QEMU migration stream ("QEVM", 51 45 56 4d); it starts with ${got || "nothing"}`,
    1,
  );
}

/** Reads a stream's first bytes to tell its format, then hands back all of it (stdin, pipes, devices). */
async function openStream(name: string, stream: AsyncIterable<Uint8Array>): Promise<Input> {
  const it = stream[Symbol.asyncIterator]();
  const first: Uint8Array[] = [];
  let have = 0;
  while (have < 4) {
    const r = await it.next();
    if (r.done) break;
    first.push(r.value);
    have += r.value.length;
  }
  const head = Buffer.concat(first);
  const format = sniff(head);
  if (!format) throw formatError(name, head);
  async function* all(): AsyncGenerator<Uint8Array> {
    yield* first;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { name, format, source: all(), size: undefined };
}

export async function openInput(path: string, expect?: InputFormat): Promise<Input> {
  const input = path === "-" ? await openStream("stdin", process.stdin) : await openFile(path);
  if (expect && input.format !== expect) {
    throw new UsageError(`${input.name}: this is a ${input.format === "ber" ? "qber BER file" : "QEMU migration stream"}; expected a ${expect === "ber" ? "qber BER file" : "QEMU migration stream"}`, 1);
  }
  return input;
}

async function openFile(path: string): Promise<Input> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory`, 1);
    // Pipes and devices (`<(...)`, /dev/stdin) cannot be read by position.
    if (!st.isFile()) return openStream(path, createReadStream(path, { highWaterMark: 1 << 20 }));
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`, 1);
  }
  const fh = await open(path, "r");
  const head = new Uint8Array(4);
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  const format = sniff(head);
  if (!format) throw formatError(path, size < 4 ? head.subarray(0, size) : head);
  return { name: path, format, source: fileSource(path), size };
}
