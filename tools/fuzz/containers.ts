/**
 * The container targets: seeds built to the formats around a small QEMU
 * stream, structure-aware mutations of their header and table fields, and
 * how each is run.
 *
 * - `libvirt`: the 92-byte header and the XML/cookie metadata (raw and gzip
 *   images, both byte orders), read through openStream and drained;
 * - `qcow2`: the header, the snapshot table and the L1/L2 tables (v2, v3,
 *   extended L2, small clusters), read from memory, every snapshot drained;
 * - `compressed`: gzip, bzip2, xz, lzop and zstd streams, decompressed
 *   (through the programs, as the input layer does) and drained;
 * - `mapped-ram`: mapped-ram files of a small stream (block headers,
 *   bitmaps), read from memory as the stream they stand for.
 */
import {
  type Compression,
  COMPRESSIONS,
  type RandomAccess,
  chooseSnapshot,
  mappedRamStream,
  readMappedRam,
  readQcow2,
  readVmState,
} from "@qber/qemu/containers";
import { openStream } from "@qber/qemu/input";
import { compress, layoutMappedRam, libvirtImage, qcow2Image } from "../containers/builders.js";
import { mutateGeneric } from "./mutate.js";
import type { Rng } from "./rng.js";

export interface ContainerSeed {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Offsets of u32 (4) and u64 (8) fields worth rewriting, with their widths. */
  readonly fields: readonly (readonly [offset: number, width: 4 | 8])[];
}

export interface ContainerCorpus {
  readonly libvirt: readonly ContainerSeed[];
  readonly qcow2: readonly ContainerSeed[];
  readonly compressed: readonly ContainerSeed[];
  readonly "mapped-ram": readonly ContainerSeed[];
}

/** Drained at most: a small input may legitimately expand (gzip), the fuzzer looks for crashes and hangs, not for the end. */
const MAX_DRAIN = 16 << 20;

const LIBVIRT_FIELDS: ContainerSeed["fields"] = [16, 20, 24, 28, 32, 36, 88].map((o) => [o, 4] as const);

function qcow2Fields(bytes: Uint8Array): ContainerSeed["fields"] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const fields: [number, 4 | 8][] = [
    [4, 4],
    [20, 4],
    [24, 8],
    [36, 4],
    [40, 8],
    [60, 4],
    [64, 8],
    [72, 8],
    [100, 4],
  ];
  // Snapshot table entries: offsets, sizes and the extra data.
  const table = Number(v.getBigUint64(64));
  for (let i = 0, at = table; i < v.getUint32(60) && at + 40 <= bytes.length; i++) {
    fields.push([at, 8], [at + 8, 4], [at + 12, 4], [at + 32, 4], [at + 36, 4], [at + 40, 8], [at + 48, 8]);
    const extra = v.getUint32(at + 36);
    at += 40 + extra + v.getUint16(at + 12) + v.getUint16(at + 14);
    at += (8 - (at % 8)) % 8;
  }
  // L1 and L2 entries: every non-zero u64 in the table clusters.
  const cluster = 2 ** v.getUint32(20);
  for (let at = cluster; at + 8 <= Math.min(bytes.length, table); at += 8) {
    if (v.getBigUint64(at) >> 63n) fields.push([at, 8]);
  }
  return fields;
}

/**
 * A plain Uint8Array copy: the mutators copy with `slice`, which on a Buffer
 * (what the builders return) is a view, and would change the seed itself.
 */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** Seeds around `inner`, a small QEMU stream. */
export function buildContainerCorpus(inner: Uint8Array): ContainerCorpus {
  const libvirt: ContainerSeed[] = [];
  for (const format of ["raw", "gzip"] as const) {
    for (const littleEndian of [true, false]) {
      for (const cookie of [undefined, null]) {
        const bytes = plain(libvirtImage(inner, format, { littleEndian, ...(cookie === null ? { cookie } : {}) }));
        libvirt.push({ name: `libvirt-${format}-${littleEndian ? "le" : "be"}${cookie === null ? "-nocookie" : ""}`, bytes, fields: LIBVIRT_FIELDS });
      }
    }
  }
  const half = inner.subarray(0, inner.length >> 1);
  const qcow2: ContainerSeed[] = [];
  for (const [label, options] of [
    ["v3-512", { clusterBits: 9 }],
    ["v2-4k", { clusterBits: 12, version: 2 as const }],
    ["v3-extl2-8k", { clusterBits: 13, extendedL2: true }],
  ] as const) {
    const bytes = plain(
      qcow2Image(
        [
          { id: "1", tag: "one", vmState: inner },
          { id: "2", tag: "two", vmState: half },
        ],
        { ...options, diskSize: 1 << 20 },
      ),
    );
    qcow2.push({ name: `qcow2-${label}`, bytes, fields: qcow2Fields(bytes) });
  }
  const compressed = COMPRESSIONS.map((c: Compression) => ({ name: `compressed-${c}`, bytes: plain(compress(c, inner)), fields: [] }));
  return { libvirt, qcow2, compressed, "mapped-ram": buildMappedRamSeeds() };
}

const INTERESTING = [0, 1, 2, 3, 5, 6, 7, 8, 92, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

/** Rewrites one header or table field with a value around a boundary. */
export function mutateContainer(seed: ContainerSeed, bytes: Uint8Array, rng: Rng, log: string[]): Uint8Array {
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  const count = seed.fields.length === 0 ? 0 : 1 + rng.small(3);
  for (let i = 0; i < count; i++) {
    const [at, width] = rng.pick(seed.fields);
    if (at + width > out.length) continue;
    const mode = rng.int(4);
    if (width === 4) {
      // Either byte order: libvirt headers come in both.
      const old = v.getUint32(at, true);
      const value = mode === 0 ? rng.pick(INTERESTING) : mode === 1 ? (old + rng.range(-4, 4)) >>> 0 : mode === 2 ? old ^ (1 << rng.int(32)) : rng.int(2 ** 31);
      v.setUint32(at, value >>> 0, rng.chance(0.5));
      log.push(`field32@${at}=${value >>> 0}`);
    } else {
      const old = v.getBigUint64(at);
      const value =
        mode === 0
          ? BigInt(rng.pick(INTERESTING))
          : mode === 1
            ? old + BigInt(rng.range(-4, 4) * 512)
            : mode === 2
              ? old ^ (1n << BigInt(rng.int(64)))
              : BigInt(rng.int(out.length * 2));
      v.setBigUint64(at, BigInt.asUintN(64, value));
      log.push(`field64@${at}=${BigInt.asUintN(64, value)}`);
    }
  }
  return out;
}

/** Makes one container input: structure-aware field rewrites, then generic byte mutations. */
export function makeContainerBytes(seeds: readonly ContainerSeed[], rng: Rng, log: string[]): { base: string; bytes: Uint8Array } {
  const seed = rng.pick(seeds);
  let bytes = seed.bytes;
  if (rng.chance(0.7)) bytes = mutateContainer(seed, bytes, rng, log);
  bytes = mutateGeneric(
    bytes,
    rng,
    seeds.map((s) => s.bytes),
    // Now and then a seed as it is, so the success path is fuzzed too (chunking still varies).
    log.length === 0 ? (rng.chance(0.15) ? 0 : 1 + rng.small(2)) : rng.chance(0.5) ? rng.small(3) : 0,
    log,
  );
  return { base: seed.name, bytes };
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<void> {
  let n = 0;
  for await (const c of source) {
    n += c.length;
    if (n > MAX_DRAIN) return;
  }
}

/** libvirt and compressed targets: through the input layer, as a stream. */
export async function runStreamContainer(source: AsyncIterable<Uint8Array>): Promise<void> {
  const input = await openStream("fuzz", source);
  await drain(input.source as AsyncIterable<Uint8Array>);
}

/** The qcow2 target: the header and tables, then every snapshot's VM state, from memory. */
export async function runQcow2(bytes: Uint8Array): Promise<void> {
  const memory = memoryReader(bytes);
  const image = await readQcow2(memory, bytes.length, "fuzz");
  for (const s of image.snapshots.slice(0, 4)) {
    if (s.vmStateSize === 0) continue;
    await drain(readVmState(memory, bytes.length, image, chooseSnapshot(image, s.id, "fuzz"), "fuzz"));
  }
}

/** A small stream with empty RAM sections (no devices), for mapped-ram seeds: blocks by name and length. */
function tinyStream(blocks: readonly (readonly [string, number])[]): Uint8Array {
  const out: number[] = [];
  const be32 = (n: number): void => void out.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  const be64 = (n: number): void => {
    be32(Math.floor(n / 2 ** 32));
    be32(n >>> 0);
  };
  const text = (s: string): void => void out.push(...Buffer.from(s, "latin1"));
  be32(0x5145564d);
  be32(3);
  out.push(0x07);
  be32(13);
  text("pc-i440fx-9.0");
  out.push(0x01);
  be32(2);
  out.push(3);
  text("ram");
  be32(0);
  be32(4);
  be64(blocks.reduce((t, [, n]) => t + n, 0) + 0x04);
  for (const [name, length] of blocks) {
    out.push(name.length);
    text(name);
    be64(length);
  }
  be64(0x10);
  out.push(0x7e);
  be32(2);
  // The END iteration (EOS only, as mapped-ram streams have them), then EOF.
  out.push(0x03);
  be32(2);
  be64(0x10);
  out.push(0x7e);
  be32(2);
  out.push(0x00);
  return Uint8Array.from(out);
}

function page(fill: number): Uint8Array {
  return new Uint8Array(4096).map((_, i) => (i * 31 + fill) & 255 || 1);
}

/** mapped-ram seeds: two layouts of small blocks, with the offsets of their header fields and bitmap words. */
export function buildMappedRamSeeds(): ContainerSeed[] {
  const seeds: ContainerSeed[] = [];
  for (const [label, blocks, pages] of [
    [
      "two-blocks",
      [
        ["pc.ram", 64 * 1024],
        ["pc.bios", 8192],
      ],
      [
        ["pc.ram", [0, 8192, 61440]],
        ["pc.bios", [4096]],
      ],
    ],
    ["one-block", [["pc.ram", 256 * 1024]], [["pc.ram", [4096, 131072]]]],
  ] as const) {
    const map = new Map(pages.map(([b, offs]) => [b as string, new Map(offs.map((o, i) => [o, page(i)] as const))]));
    const bytes = plain(layoutMappedRam({ pages: map, bare: tinyStream(blocks) }));
    const v = new DataView(bytes.buffer);
    const fields: [number, 4 | 8][] = [];
    for (const [name] of blocks) {
      const at = Buffer.from(bytes).indexOf(Buffer.from(name, "latin1"));
      const h = at + name.length + 8;
      fields.push([at + name.length, 8], [h, 4], [h + 4, 8], [h + 12, 8], [h + 20, 8]);
      fields.push([Number(v.getBigUint64(h + 12)), 8]);
    }
    seeds.push({ name: `mapped-ram-${label}`, bytes, fields });
  }
  return seeds;
}

function memoryReader(bytes: Uint8Array): RandomAccess {
  return {
    read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
      const piece = bytes.subarray(Math.min(position, bytes.length), Math.min(position + length, bytes.length));
      buffer.set(piece, offset);
      return Promise.resolve({ bytesRead: piece.length });
    },
  };
}

/** The mapped-ram target: the layout (configuration, block headers), then the stream it stands for, drained. */
export async function runMappedRam(bytes: Uint8Array): Promise<void> {
  const memory = memoryReader(bytes);
  const layout = await readMappedRam(memory, bytes.length, "fuzz", 0);
  if (layout) await drain(mappedRamStream(memory, bytes.length, layout, "fuzz"));
}
