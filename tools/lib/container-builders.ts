/**
 * Containers built to their formats for tests and fuzz seeds: libvirt save
 * images in every format (zstd, which libvirt 9.0 does not write, included)
 * and qcow2 images whose internal snapshots hold given VM state.
 */
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
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
export function libvirtImage(stream: Uint8Array, format: Exclude<LibvirtFormat, "sparse">, options: { littleEndian?: boolean; xml?: string; cookie?: string | null } = {}): Uint8Array {
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
export function qcow2Image(snapshots: readonly BuiltSnapshot[], options: { clusterBits?: number; diskSize?: number; extendedL2?: boolean; version?: 2 | 3 } = {}): Uint8Array {
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
