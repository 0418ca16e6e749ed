/**
 * Opening an input: a file or a stream, told apart by content (a qber BER
 * file or a QEMU migration stream), never by name.
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { type ByteSource, QberDecodeError, type SnapshotFormat, fileSource, sniffFormat } from "@qber/core";
import { peekStream } from "./peek-stream.js";

export interface Input {
  /** The path, or a name for a stream ("stdin"), for messages. */
  readonly name: string;
  readonly format: SnapshotFormat;
  readonly source: ByteSource;
  /** Size in bytes when known (regular files), for progress. */
  readonly size: number | undefined;
}

const FORMAT_NAMES: Record<SnapshotFormat, string> = { ber: "qber BER file", qemu: "QEMU migration stream" };

function notASnapshot(name: string, head: Uint8Array): QberDecodeError {
  const got = Buffer.from(head.subarray(0, 4))
    .toString("hex")
    .replace(/(..)(?!$)/g, "$1 ");
  return new QberDecodeError(
    `${name}: not a qber file (7f cd c5 51) nor a QEMU migration stream ("QEVM", 51 45 56 4d); it starts with ${got || "nothing"}`,
    {},
  );
}

function checked(input: Input, expect: SnapshotFormat | undefined): Input {
  if (expect !== undefined && input.format !== expect) {
    throw new QberDecodeError(`${input.name}: this is a ${FORMAT_NAMES[input.format]}; expected a ${FORMAT_NAMES[expect]}`, {});
  }
  return input;
}

/** Opens a stream (stdin, a pipe, a socket) and tells its format from its first bytes. */
export async function openStream(name: string, stream: AsyncIterable<Uint8Array>, expect?: SnapshotFormat): Promise<Input> {
  const { head, source } = await peekStream(stream, 4);
  const format = sniffFormat(head);
  if (!format) throw notASnapshot(name, head);
  return checked({ name, format, source, size: undefined }, expect);
}

/**
 * Opens a file. Pipes and devices (`<(...)`, /dev/stdin) are read as
 * streams; regular files by position. File-system failures are Node's own
 * errors (with `code` and `path`).
 */
export async function openFile(path: string, expect?: SnapshotFormat): Promise<Input> {
  const st = await stat(path);
  if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: "EISDIR", path, syscall: "read" });
  if (!st.isFile()) return openStream(path, createReadStream(path, { highWaterMark: 1 << 20 }), expect);
  const fh = await open(path, "r");
  const head = new Uint8Array(4);
  let got = 0;
  try {
    ({ bytesRead: got } = await fh.read(head, 0, 4, 0));
  } finally {
    await fh.close();
  }
  const format = sniffFormat(head.subarray(0, got));
  if (!format) throw notASnapshot(path, head.subarray(0, got));
  return checked({ name: path, format, source: fileSource(path), size: st.size }, expect);
}
