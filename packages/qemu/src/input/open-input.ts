/**
 * Opening an input: a file or a stream, told apart by content, never by
 * name. A qber BER file or a QEMU migration stream is read as it is; a
 * container (a libvirt save image, a compressed stream, a qcow2 image's
 * internal snapshot) is opened and its inner stream handed back, with what
 * the container says in `containers`.
 */
import { createReadStream } from "node:fs";
import { type FileHandle, open as openHandle, stat } from "node:fs/promises";
import { type ByteSource, QberDecodeError, type SnapshotFormat, fileSource, sniffFormat } from "@qber/core";
import { type Compression, decompress, sniffCompression } from "../containers/compression.js";
import type { Container } from "../containers/container.js";
import { LIBVIRT_HEADER_SIZE, compressionOf, isLibvirtMagic, parseLibvirtHeader, parseLibvirtSave } from "../containers/libvirt-save.js";
import { readMappedRam, mappedRamStream } from "../containers/mapped-ram.js";
import { chooseSnapshot, isQcow2Magic, readQcow2, readVmState } from "../containers/qcow2.js";
import { peekStream, splitStream } from "./peek-stream.js";
import { readAt } from "../containers/random-access.js";

export interface Input {
  /** The path, or a name for a stream ("stdin"), for messages. */
  readonly name: string;
  /** The format of the snapshot itself (inside any container). */
  readonly format: SnapshotFormat;
  /** The snapshot's bytes (inside any container). */
  readonly source: ByteSource;
  /** Size of `source` in bytes when known, for progress. */
  readonly size: number | undefined;
  /** The containers around the snapshot, outermost first (empty or absent for a bare file). */
  readonly containers?: readonly Container[];
}

export interface OpenOptions {
  /** The snapshot format the caller needs; another is an error. */
  readonly expect?: SnapshotFormat;
  /** A qcow2 image's snapshot, by ID or tag (default: the one that holds VM state). */
  readonly snapshot?: string;
}

const FORMAT_NAMES: Record<SnapshotFormat, string> = { ber: "qber BER file", qemu: "QEMU migration stream" };
/** Bytes enough for every magic number. */
const SNIFF = 16;
/** Containers inside containers: libvirt's compressed stream is one level; deeper is refused (no nested bombs). */
const MAX_DEPTH = 2;

function notASnapshot(name: string, head: Uint8Array, inside: boolean): QberDecodeError {
  const got = Buffer.from(head.subarray(0, 4))
    .toString("hex")
    .replace(/(..)(?!$)/g, "$1 ");
  return new QberDecodeError(
    `${name}: ${inside ? "the container holds no snapshot: " : ""}not a qber file (7f cd c5 51) nor a QEMU migration stream ("QEVM", 51 45 56 4d)${inside ? "" : ", nor a libvirt save image, a qcow2 image or a gzip/bzip2/xz/lzop/zstd-compressed stream"}; it starts with ${got || "nothing"}`,
    {},
  );
}

function checked(input: Input, expect: SnapshotFormat | undefined): Input {
  if (expect !== undefined && input.format !== expect) {
    throw new QberDecodeError(`${input.name}: this is a ${FORMAT_NAMES[input.format]}; expected a ${FORMAT_NAMES[expect]}`, {});
  }
  return input;
}

interface Found {
  readonly format: SnapshotFormat;
  readonly source: ByteSource;
  readonly size: number | undefined;
  readonly containers: readonly Container[];
}

/**
 * What a stream holds, given its first bytes: the snapshot, or a container
 * opened. `available` is the stream's length when known (a file's size).
 */
async function unwrap(
  name: string,
  stream: AsyncIterable<Uint8Array>,
  available: number | undefined,
  depth: number,
  outer: readonly Container[],
): Promise<Found> {
  const { head, source, close } = await peekStream(stream, SNIFF);
  try {
    return await openContents(name, head, source, available, depth, outer);
  } catch (e) {
    // Nothing will read it now: stop a decompressor, close a file.
    await close();
    throw e;
  }
}

/** What a stream that starts with `head` holds. */
async function openContents(
  name: string,
  head: Uint8Array,
  source: AsyncGenerator<Uint8Array>,
  available: number | undefined,
  depth: number,
  outer: readonly Container[],
): Promise<Found> {
  const format = sniffFormat(head);
  if (format) return { format, source, size: available, containers: outer };
  if (depth >= MAX_DEPTH) throw notASnapshot(name, head, true);
  if (isLibvirtMagic(head)) {
    const first = await splitStream(source, LIBVIRT_HEADER_SIZE);
    const header = parseLibvirtHeader(first.head, name, available);
    const meta = await splitStream(first.rest, header.dataLen);
    const bytes = new Uint8Array(LIBVIRT_HEADER_SIZE + meta.head.length);
    bytes.set(first.head);
    bytes.set(meta.head, LIBVIRT_HEADER_SIZE);
    const save = parseLibvirtSave(bytes, header, name);
    const dataOffset = LIBVIRT_HEADER_SIZE + header.dataLen;
    const container: Container = { kind: "libvirt-save", save, dataOffset };
    if (header.format === "sparse") {
      throw new QberDecodeError(
        `${name}: a libvirt save image in the sparse format (QEMU's mapped-ram layout) is read by position: give its file, not a stream`,
        { offset: 28 },
      );
    }
    const compression = compressionOf(header.format);
    const inner = compression ? decompressed(name, compression, meta.rest, dataOffset) : meta.rest;
    return unwrap(name, inner, compression || available === undefined ? undefined : available - dataOffset, depth + 1, [...outer, container]);
  }
  const compression = sniffCompression(head);
  if (compression) {
    const container: Container = { kind: "compressed", compression, dataOffset: 0 };
    return unwrap(name, decompressed(name, compression, source, 0), undefined, depth + 1, [...outer, container]);
  }
  if (isQcow2Magic(head)) throw new QberDecodeError(`${name}: a qcow2 image is read by position: give its file, not a stream`, {});
  throw notASnapshot(name, head, depth > 0);
}

function decompressed(name: string, compression: Compression, source: AsyncIterable<Uint8Array>, offset: number): AsyncGenerator<Uint8Array> {
  return decompress(compression, source, { name, offset });
}

/** Opens a stream (stdin, a pipe, a socket) and tells what it holds from its content. */
export async function openStream(name: string, stream: AsyncIterable<Uint8Array>, options: OpenOptions | SnapshotFormat = {}): Promise<Input> {
  const o = typeof options === "string" ? { expect: options } : options;
  const found = await unwrap(name, stream, undefined, 0, []);
  return checked({ name, ...found }, o.expect);
}

async function readHead(fh: FileHandle, length: number): Promise<Uint8Array> {
  return readAt(fh, 0, length);
}

/** A qcow2 image's snapshot VM state as the input. */
async function openQcow2(path: string, fh: FileHandle, size: number, options: OpenOptions): Promise<Input> {
  const image = await readQcow2(fh, size, path);
  const snapshot = chooseSnapshot(image, options.snapshot, path);
  const container: Container = { kind: "qcow2", image, snapshot };
  async function* state(): AsyncGenerator<Uint8Array> {
    const own = await openHandle(path, "r");
    try {
      yield* readVmState(own, size, image, snapshot, path);
    } finally {
      await own.close();
    }
  }
  const found = await unwrap(path, state(), snapshot.vmStateSize, 1, [container]);
  return checked({ name: path, ...found }, options.expect);
}

/**
 * A mapped-ram file, bare or as a libvirt save image in the sparse format,
 * as the ordinary stream it stands for; undefined for any other file. Its
 * pages are at file offsets, so it is read by position.
 */
async function openMappedRam(path: string, fh: FileHandle, head: Uint8Array, size: number): Promise<Input | undefined> {
  const outer: Container[] = [];
  let start = 0;
  if (isLibvirtMagic(head)) {
    const header = parseLibvirtHeader(await readAt(fh, 0, LIBVIRT_HEADER_SIZE), path, size);
    if (header.format !== "sparse") return undefined;
    start = LIBVIRT_HEADER_SIZE + header.dataLen;
    outer.push({ kind: "libvirt-save", save: parseLibvirtSave(await readAt(fh, 0, start), header, path), dataOffset: start });
  } else if (sniffFormat(head) !== "qemu") {
    return undefined;
  }
  const layout = await readMappedRam(fh, size, path, start);
  if (!layout) {
    if (outer.length > 0) throw new QberDecodeError(`${path}: libvirt save image in the sparse format whose stream is no mapped-ram stream`, { offset: start });
    return undefined;
  }
  async function* stream(): AsyncGenerator<Uint8Array> {
    const own = await openHandle(path, "r");
    try {
      yield* mappedRamStream(own, size, layout!, path);
    } finally {
      await own.close();
    }
  }
  return { name: path, format: "qemu", source: stream(), size: undefined, containers: [...outer, { kind: "mapped-ram", blocks: layout.blocks }] };
}

/**
 * Opens a file. Pipes and devices (`<(...)`, /dev/stdin) are read as
 * streams; regular files by position. File-system failures are Node's own
 * errors (with `code` and `path`).
 */
export async function openFile(path: string, options: OpenOptions | SnapshotFormat = {}): Promise<Input> {
  const o = typeof options === "string" ? { expect: options } : options;
  const st = await stat(path);
  if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: "EISDIR", path, syscall: "read" });
  if (!st.isFile()) return openStream(path, createReadStream(path, { highWaterMark: 1 << 20 }), o);
  const fh = await openHandle(path, "r");
  let head: Uint8Array;
  try {
    head = await readHead(fh, SNIFF);
    if (isQcow2Magic(head)) return await openQcow2(path, fh, st.size, o);
    const mapped = await openMappedRam(path, fh, head, st.size);
    if (mapped) return checked(mapped, o.expect);
  } finally {
    await fh.close();
  }
  const format = sniffFormat(head);
  if (format) return checked({ name: path, format, source: fileSource(path), size: st.size, containers: [] }, o.expect);
  const found = await unwrap(path, fileSource(path), st.size, 0, []);
  return checked({ name: path, ...found }, o.expect);
}

/** A qcow2 image's header and snapshot list, or undefined when `path` is no qcow2 image. */
export async function readQcow2Snapshots(path: string): Promise<Awaited<ReturnType<typeof readQcow2>> | undefined> {
  const st = await stat(path);
  if (!st.isFile()) return undefined;
  const fh = await openHandle(path, "r");
  try {
    if (!isQcow2Magic(await readHead(fh, SNIFF))) return undefined;
    return await readQcow2(fh, st.size, path);
  } finally {
    await fh.close();
  }
}
