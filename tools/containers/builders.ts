/**
 * Containers built to their formats for tests and fuzz seeds: libvirt save
 * images in every format (zstd, which libvirt 9.0 does not write, included),
 * qcow2 images whose internal snapshots hold given VM state, and mapped-ram
 * files (bare, or behind a libvirt header in the sparse format).
 */
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { SectionWriter, readSections } from "@qber/core";
import { exportQemuStream, importQemuStream } from "@qber/qemu";
import { type Compression, type LibvirtFormat, buildLibvirtSave, compressionOf } from "@qber/qemu/containers";

export const DOMAIN_XML = `<domain type='qemu'>
  <name>built</name>
  <uuid>0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0</uuid>
  <memory unit='KiB'>32768</memory>
  <vcpu placement='static'>2</vcpu>
  <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os>
</domain>
`;
export const COOKIE_XML = "<cookie>\n  <slirpHelper/>\n</cookie>\n";

/** Compresses as libvirt does (the same programs; gzip through zlib). */
export function compress(compression: Compression, bytes: Uint8Array): Uint8Array {
  if (compression === "gzip") return gzipSync(bytes);
  const args = { bzip2: ["-c"], xz: ["-3", "-c"], lzop: ["-c"], zstd: ["-q", "-c"] }[compression];
  return execFileSync(compression, args, { input: bytes, maxBuffer: 1 << 30 });
}

/** A libvirt save image holding `stream` in `format`. */
export function libvirtImage(
  stream: Uint8Array,
  format: Exclude<LibvirtFormat, "sparse">,
  options: { littleEndian?: boolean; xml?: string; cookie?: string | null } = {},
): Uint8Array {
  const cookie = options.cookie === null ? undefined : (options.cookie ?? COOKIE_XML);
  const prefix = buildLibvirtSave(options.xml ?? DOMAIN_XML, cookie, { littleEndian: options.littleEndian ?? true, wasRunning: true, format });
  const c = compressionOf(format);
  return Buffer.concat([prefix, c ? compress(c, stream) : stream]);
}

export interface BuiltSnapshot {
  readonly id: string;
  readonly tag: string;
  readonly vmState: Uint8Array;
}

/**
 * A qcow2 image (version 3, no data on the virtual disk) whose snapshots hold
 * the given VM state, laid out as QEMU lays it: beyond the virtual disk, at
 * the first L1 entry past it, through each snapshot's own L1 and L2 tables.
 */
export function qcow2Image(
  snapshots: readonly BuiltSnapshot[],
  options: { clusterBits?: number; diskSize?: number; extendedL2?: boolean; version?: 2 | 3 } = {},
): Uint8Array {
  const clusterBits = options.clusterBits ?? 16;
  const cluster = 2 ** clusterBits;
  const extendedL2 = options.extendedL2 ?? false;
  const version = options.version ?? 3;
  const diskSize = options.diskSize ?? 1 << 20;
  const entryBytes = extendedL2 ? 16 : 8;
  const l2Entries = cluster / entryBytes;
  const l1Span = cluster * l2Entries;
  const base = Math.ceil(diskSize / l1Span) * l1Span;
  const clusters: Uint8Array[] = [new Uint8Array(cluster)]; // the header's
  const alloc = (): [number, Uint8Array] => {
    const c = new Uint8Array(cluster);
    clusters.push(c);
    return [(clusters.length - 1) * cluster, c];
  };
  const entries: Uint8Array[] = [];
  for (const s of snapshots) {
    const end = base + s.vmState.length;
    const l1Size = Math.ceil(end / l1Span);
    const [l1At, l1] = alloc();
    const l1v = new DataView(l1.buffer);
    let l2: DataView | undefined;
    let l2Index = -1;
    for (let g = base; g < end; g += cluster) {
      const i1 = Math.floor(g / l1Span);
      if (i1 !== l2Index) {
        const [at, t] = alloc();
        l2 = new DataView(t.buffer);
        l1v.setBigUint64(i1 * 8, BigInt(at) | (1n << 63n));
        l2Index = i1;
      }
      const [dataAt, data] = alloc();
      data.set(s.vmState.subarray(g - base, Math.min(end, g + cluster) - base));
      const i2 = Math.floor(g / cluster) % l2Entries;
      l2!.setBigUint64(i2 * entryBytes, BigInt(dataAt) | (1n << 63n));
      if (extendedL2) l2!.setBigUint64(i2 * entryBytes + 8, 0xffffffffn);
    }
    const enc = new TextEncoder();
    const id = enc.encode(s.id);
    const tag = enc.encode(s.tag);
    const extra = 24;
    const e = new Uint8Array(Math.ceil((40 + extra + id.length + tag.length) / 8) * 8);
    const v = new DataView(e.buffer);
    v.setBigUint64(0, BigInt(l1At));
    v.setUint32(8, l1Size);
    v.setUint16(12, id.length);
    v.setUint16(14, tag.length);
    v.setUint32(16, 1_700_000_000);
    v.setBigUint64(24, 1_500_000_000n);
    v.setUint32(32, s.vmState.length);
    v.setUint32(36, extra);
    v.setBigUint64(40, BigInt(s.vmState.length));
    v.setBigUint64(48, BigInt(diskSize));
    v.setBigInt64(56, -1n);
    e.set(id, 40 + extra);
    e.set(tag, 40 + extra + id.length);
    entries.push(e);
  }
  const table = Buffer.concat(entries);
  const tableAt = clusters.length * cluster;
  const h = new DataView(clusters[0]!.buffer);
  h.setUint32(0, 0x514649fb);
  h.setUint32(4, version);
  h.setUint32(20, clusterBits);
  h.setBigUint64(24, BigInt(diskSize));
  h.setUint32(60, snapshots.length);
  h.setBigUint64(64, BigInt(snapshots.length > 0 ? tableAt : 0));
  if (version === 3) {
    h.setBigUint64(72, extendedL2 ? 1n << 4n : 0n);
    h.setUint32(96, 4);
    h.setUint32(100, 104);
  }
  return Buffer.concat([...clusters, table]);
}

async function collect(run: (sink: (c: Uint8Array) => void) => Promise<unknown>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await run((c) => void parts.push(c.slice()));
  return new Uint8Array(Buffer.concat(parts));
}

/** The RAM of a stream: each block's non-zero pages by offset, and the stream with its RAM sections emptied. */
export async function splitRam(mig: Uint8Array): Promise<{ pages: Map<string, Map<number, Uint8Array>>; bare: Uint8Array }> {
  const ber = await collect((sink) => importQemuStream(mig, sink));
  const pages = new Map<string, Map<number, Uint8Array>>();
  const emptied = await collect(async (sink) => {
    const w = new SectionWriter(sink);
    for await (const s of readSections(ber)) {
      if (s.kind === "full") {
        await w.writeSection(s.section);
        continue;
      }
      w.beginMin(s.sectionId);
      for await (const b of s.blocks) {
        const block = pages.get(b.name) ?? new Map<number, Uint8Array>();
        pages.set(b.name, block);
        for await (const batch of b.pages) {
          for (let i = 0; i < batch.length; i++) {
            const p = batch.page(i);
            if (p.kind === "fullpage" && p.data.some((x) => x !== 0)) block.set(Number(p.addr), p.data.slice());
            else if (p.kind === "compr" || p.kind === "fullpage") block.delete(Number(p.addr));
            else throw new Error(`splitRam: ${p.kind} pages are not supported`);
          }
        }
      }
      await w.endMin();
    }
    await w.close();
  });
  return { pages, bare: await collect((sink) => exportQemuStream(emptied, sink)) };
}

const MIB = 1 << 20;

/**
 * A mapped-ram file (QEMU 9.0+ layout) holding the same state as `mig`, its
 * offsets counted from `start` (the length of what will precede it: a
 * libvirt header for the sparse format). Needs a stream whose configuration
 * has no subsections and whose RAM blocks carry no extra fields (QEMU 7.2's
 * pc and q35 captures).
 */
export async function mappedRamFile(mig: Uint8Array, start = 0): Promise<Uint8Array> {
  return layoutMappedRam(await splitRam(mig), start);
}

/** The mapped-ram file of a stream whose RAM sections are empty (`bare`) and the pages that belong in it. */
export function layoutMappedRam({ pages, bare }: { pages: ReadonlyMap<string, ReadonlyMap<number, Uint8Array>>; bare: Uint8Array }, start = 0): Uint8Array {
  const v = new DataView(bare.buffer, bare.byteOffset, bare.length);
  if (bare[8] !== 0x07) throw new Error("mappedRamFile: no configuration section");
  let at = 9 + 4 + v.getUint32(9);
  if (bare[at] === 0x05) throw new Error("mappedRamFile: the configuration already has subsections");
  const enc = new TextEncoder();
  const subName = enc.encode("configuration/capabilities");
  const cap = enc.encode("mapped-ram");
  const head: number[] = [...bare.subarray(0, at), 0x05, subName.length, ...subName, 0, 0, 0, 1, 0, 0, 0, 1, cap.length, ...cap];
  // The RAM setup section: header, memory size, blocks.
  const idLen = bare[at + 5]!;
  const sectionHeader = 6 + idLen + 8;
  head.push(...bare.subarray(at, at + sectionHeader + 8));
  let total = Number(v.getBigUint64(at + sectionHeader) & ~0xfffn);
  at += sectionHeader + 8;
  const pieces: { at: number; bytes: Uint8Array }[] = [];
  let cursor = start + head.length;
  let entry: number[] = head;
  let entryAt = start;
  const flush = (): void => {
    pieces.push({ at: entryAt, bytes: Uint8Array.from(entry) });
  };
  while (total > 0) {
    const len = bare[at]!;
    const name = Buffer.from(bare.subarray(at + 1, at + 1 + len)).toString("latin1");
    const length = Number(v.getBigUint64(at + 1 + len));
    entry.push(...bare.subarray(at, at + 1 + len + 8));
    cursor += 1 + len + 8;
    at += 1 + len + 8;
    const nPages = length / 4096;
    const bitmapOffset = cursor + 28;
    const bitmapBytes = Math.ceil(nPages / 64) * 8;
    const pagesOffset = Math.ceil((bitmapOffset + bitmapBytes) / MIB) * MIB;
    const h = new DataView(new ArrayBuffer(28));
    h.setUint32(0, 1);
    h.setBigUint64(4, 4096n);
    h.setBigUint64(12, BigInt(bitmapOffset));
    h.setBigUint64(20, BigInt(pagesOffset));
    entry.push(...new Uint8Array(h.buffer));
    flush();
    const bitmap = new Uint8Array(bitmapBytes);
    const data = new Uint8Array(length);
    for (const [offset, page] of pages.get(name) ?? []) {
      const i = offset / 4096;
      bitmap[i >> 3]! |= 1 << (i & 7);
      data.set(page, offset);
    }
    pieces.push({ at: bitmapOffset, bytes: bitmap }, { at: pagesOffset, bytes: data });
    total -= length;
    cursor = pagesOffset + length;
    entry = [];
    entryAt = cursor;
  }
  // The stream goes on: the setup section's end, then the rest as it is.
  entry.push(...bare.subarray(at));
  flush();
  const size = Math.max(...pieces.map((p) => p.at + p.bytes.length)) - start;
  const file = new Uint8Array(size);
  for (const p of pieces) file.set(p.bytes, p.at - start);
  return file;
}
