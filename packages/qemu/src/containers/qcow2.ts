/**
 * qcow2 internal snapshots (QEMU's docs/interop/qcow2.rst): the VM state
 * `savevm` writes is a migration stream stored like guest data beyond the
 * virtual disk, at (l1_vm_state_index << (cluster_bits + l2_bits)) with
 * l1_vm_state_index = ceil(disk size / 2^(cluster_bits + l2_bits)), read
 * through the snapshot's own L1 and L2 tables.
 *
 * Read only, by position. The image is untrusted: every table offset and
 * size is checked against the file before it is read or anything allocated,
 * and a state cluster that is unallocated or outside the file is an error,
 * never zeros.
 */
import { containerError } from "./container.js";
import { QberDecodeError } from "@qber/core";
import { type RandomAccess, readAt } from "./random-access.js";

export const QCOW2_MAGIC: readonly number[] = [0x51, 0x46, 0x49, 0xfb];
/** QEMU's own limit on snapshots in one image. */
const MAX_SNAPSHOTS = 65536;
/** QEMU's limit on one snapshot table entry's extra data. */
const MAX_EXTRA_DATA = 1024;
const EXTENDED_L2 = 1n << 4n;
const OFFSET_MASK = 0x00fffffffffffe00n;
const COMPRESSED = 1n << 62n;

export function isQcow2Magic(head: Uint8Array): boolean {
  return QCOW2_MAGIC.every((b, i) => head[i] === b);
}

export interface Qcow2Snapshot {
  readonly id: string;
  readonly tag: string;
  /** Seconds and nanoseconds since the epoch (host time at savevm). */
  readonly dateSec: number;
  readonly dateNsec: number;
  /** Guest clock at savevm, in nanoseconds. */
  readonly vmClockNsec: bigint;
  readonly vmStateSize: number;
  /** Virtual disk size when the snapshot was taken. */
  readonly diskSize: number;
  readonly icount: bigint | undefined;
  readonly l1TableOffset: number;
  readonly l1Size: number;
}

export interface Qcow2Image {
  readonly version: number;
  readonly clusterBits: number;
  readonly size: number;
  readonly extendedL2: boolean;
  readonly snapshots: readonly Qcow2Snapshot[];
}

function fail(name: string, why: string, offset: number, incomplete = false): never {
  throw containerError(new QberDecodeError(`${name}: ${why}`, { offset, incomplete }));
}

/** A u64 as a number, or an error when it cannot be a file offset. */
function offset64(v: bigint, name: string, what: string, at: number): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(name, `${what} ${v} is too large`, at);
  return Number(v);
}

/** Reads the header and the snapshot table. `fileSize` bounds every table. */
export async function readQcow2(fh: RandomAccess, fileSize: number, name: string): Promise<Qcow2Image> {
  const h = await readAt(fh, 0, 112);
  if (h.length < 72) fail(name, `qcow2 header is at least 72 bytes; the file has ${h.length}`, h.length, true);
  const v = new DataView(h.buffer, h.byteOffset, h.length);
  const version = v.getUint32(4);
  if (version !== 2 && version !== 3) fail(name, `qcow2 version ${version} is not known`, 4);
  const clusterBits = v.getUint32(20);
  if (clusterBits < 9 || clusterBits > 21) fail(name, `qcow2 cluster_bits ${clusterBits} is outside 9..21`, 20);
  const size = offset64(v.getBigUint64(24), name, "virtual disk size", 24);
  const nbSnapshots = v.getUint32(60);
  const snapshotsOffset = offset64(v.getBigUint64(64), name, "snapshot table offset", 64);
  let extendedL2 = false;
  if (version === 3) {
    if (h.length < 104) fail(name, "qcow2 version 3 header is at least 104 bytes", h.length, true);
    extendedL2 = (v.getBigUint64(72) & EXTENDED_L2) !== 0n;
  }
  if (nbSnapshots > MAX_SNAPSHOTS) fail(name, `${nbSnapshots} snapshots is over QEMU's limit of ${MAX_SNAPSHOTS}`, 60);
  if (nbSnapshots > 0 && snapshotsOffset >= fileSize) fail(name, `snapshot table at ${snapshotsOffset} is outside the file (${fileSize} bytes)`, 64);
  // The table is read in pieces, each checked against the file, so a huge
  // nb_snapshots costs only what the file really has.
  const snapshots: Qcow2Snapshot[] = [];
  let at = snapshotsOffset;
  const clusterSize = 2 ** clusterBits;
  for (let i = 0; i < nbSnapshots; i++) {
    const e = await readAt(fh, at, 40);
    if (e.length < 40) fail(name, `snapshot table entry ${i} at ${at} runs past the end of the file`, at, true);
    const d = new DataView(e.buffer, e.byteOffset, 40);
    const l1TableOffset = offset64(d.getBigUint64(0), name, `snapshot ${i} L1 table offset`, at);
    const l1Size = d.getUint32(8);
    const idSize = d.getUint16(12);
    const nameSize = d.getUint16(14);
    const extraSize = d.getUint32(36);
    if (extraSize > MAX_EXTRA_DATA) fail(name, `snapshot ${i} extra data size ${extraSize} is over ${MAX_EXTRA_DATA}`, at + 36);
    const restLength = extraSize + idSize + nameSize;
    if (at + 40 + restLength > fileSize) fail(name, `snapshot table entry ${i} at ${at} runs past the end of the file`, at, true);
    const rest = await readAt(fh, at + 40, restLength);
    const x = new DataView(rest.buffer, rest.byteOffset, rest.length);
    const decoder = new TextDecoder("utf-8", { fatal: false });
    let vmStateSize = d.getUint32(32);
    if (extraSize >= 8) vmStateSize = offset64(x.getBigUint64(0), name, `snapshot ${i} VM state size`, at + 40);
    const diskSize = extraSize >= 16 ? offset64(x.getBigUint64(8), name, `snapshot ${i} disk size`, at + 48) : size;
    const icount = extraSize >= 24 ? x.getBigInt64(16) : undefined;
    // savevm writes every byte of the state into clusters of its own: a state larger than the file cannot be.
    if (vmStateSize > fileSize)
      fail(name, `snapshot ${i} VM state size ${vmStateSize} is larger than the file (${fileSize} bytes)`, at + (extraSize >= 8 ? 40 : 32));
    if (l1Size > 0 && (l1TableOffset % clusterSize !== 0 || l1TableOffset + l1Size * 8 > fileSize)) {
      fail(name, `snapshot ${i} L1 table (${l1Size} entries at ${l1TableOffset}) is outside the file or unaligned`, at);
    }
    snapshots.push({
      id: decoder.decode(rest.subarray(extraSize, extraSize + idSize)),
      tag: decoder.decode(rest.subarray(extraSize + idSize, restLength)),
      dateSec: d.getUint32(16),
      dateNsec: d.getUint32(20),
      vmClockNsec: d.getBigUint64(24),
      vmStateSize,
      diskSize,
      icount: icount === undefined || icount < 0n ? undefined : icount,
      l1TableOffset,
      l1Size,
    });
    at += 40 + restLength;
    at += (8 - (at % 8)) % 8;
  }
  return { version, clusterBits, size, extendedL2, snapshots };
}

/**
 * The snapshot `wanted` names (its ID or tag, IDs first as qemu-img does);
 * with no name, the one snapshot that has VM state.
 */
export function chooseSnapshot(image: Qcow2Image, wanted: string | undefined, name: string): Qcow2Snapshot {
  const list = image.snapshots.map((s) => `${s.id} (${JSON.stringify(s.tag)}, ${s.vmStateSize} bytes of VM state)`).join(", ");
  if (wanted !== undefined) {
    const s = image.snapshots.find((x) => x.id === wanted) ?? image.snapshots.find((x) => x.tag === wanted);
    if (!s) throw containerError(new QberDecodeError(`${name}: no snapshot with ID or tag ${JSON.stringify(wanted)}; it has ${list || "none"}`, {}));
    if (s.vmStateSize === 0)
      throw containerError(new QberDecodeError(`${name}: snapshot ${s.id} (${JSON.stringify(s.tag)}) has no VM state (a disk-only snapshot)`, {}));
    return s;
  }
  const withState = image.snapshots.filter((s) => s.vmStateSize > 0);
  if (withState.length === 1) return withState[0]!;
  if (withState.length === 0)
    throw containerError(new QberDecodeError(`${name}: qcow2 image with no snapshot holding VM state${list ? ` (it has ${list})` : ""}`, {}));
  throw containerError(
    new QberDecodeError(`${name}: qcow2 image with ${withState.length} snapshots holding VM state; choose one with --snapshot ID|TAG: ${list}`, {}),
  );
}

/**
 * The VM state of a snapshot, streamed cluster by cluster through its L1 and
 * L2 tables. Holds one L2 table and one run of clusters at a time.
 */
export async function* readVmState(
  fh: RandomAccess,
  fileSize: number,
  image: Qcow2Image,
  snapshot: Qcow2Snapshot,
  name: string,
): AsyncGenerator<Uint8Array, void, undefined> {
  const clusterBits = image.clusterBits;
  const clusterSize = 2 ** clusterBits;
  const entryBytes = image.extendedL2 ? 16 : 8;
  const l2Bits = clusterBits - (image.extendedL2 ? 4 : 3);
  const l2Entries = 2 ** l2Bits;
  const l1Span = 2 ** (clusterBits + l2Bits);
  const base = Math.ceil(snapshot.diskSize / l1Span) * l1Span;
  const end = base + snapshot.vmStateSize;
  const subclusterSize = clusterSize / 32;
  let l2Index = -1;
  let l2: DataView | undefined;
  let l2At = 0;
  const stateOffset = (g: number): string => `VM state offset ${g - base} of snapshot ${snapshot.id}`;
  for (let g = base; g < end; ) {
    const l1i = Math.floor(g / l1Span);
    if (l1i >= snapshot.l1Size) fail(name, `${stateOffset(g)} is beyond the snapshot's L1 table (${snapshot.l1Size} entries)`, snapshot.l1TableOffset);
    if (l1i !== l2Index) {
      const l1At = snapshot.l1TableOffset + l1i * 8;
      const l1e = new DataView((await readAt(fh, l1At, 8)).buffer).getBigUint64(0);
      const l2Offset = Number(l1e & OFFSET_MASK);
      if (l2Offset === 0) fail(name, `${stateOffset(g)}: no L2 table (L1 entry ${l1i} is unallocated)`, l1At);
      if (l2Offset % clusterSize !== 0 || l2Offset + clusterSize > fileSize)
        fail(name, `${stateOffset(g)}: L2 table at ${l2Offset} is outside the file or unaligned`, l1At);
      const t = await readAt(fh, l2Offset, clusterSize);
      l2 = new DataView(t.buffer, t.byteOffset, t.length);
      l2Index = l1i;
      l2At = l2Offset;
    }
    const ci = Math.floor(g / clusterSize) % l2Entries;
    const entryAt = ci * entryBytes;
    const entry = l2!.getBigUint64(entryAt);
    const within = g % clusterSize;
    const take = Math.min(clusterSize - within, end - g);
    if (entry & COMPRESSED) fail(name, `${stateOffset(g)} is in a compressed cluster, which savevm never writes`, l2At + entryAt);
    const host = Number(entry & OFFSET_MASK);
    if (host % clusterSize !== 0 || host + within + take > fileSize)
      fail(name, `${stateOffset(g)}: cluster at ${host} is outside the file (${fileSize} bytes) or unaligned`, l2At + entryAt);
    let bytes: Uint8Array;
    if (image.extendedL2) {
      const bitmap = l2!.getBigUint64(entryAt + 8);
      bytes = new Uint8Array(take);
      for (let s = Math.floor(within / subclusterSize); s * subclusterSize < within + take; s++) {
        const from = Math.max(s * subclusterSize, within);
        const to = Math.min((s + 1) * subclusterSize, within + take);
        if ((bitmap >> BigInt(s)) & 1n) {
          if (host === 0) fail(name, `${stateOffset(g)}: allocated subcluster without a host cluster`, l2At + entryAt);
          bytes.set(await readAt(fh, host + from, to - from), from - within);
        } else if (!((bitmap >> BigInt(32 + s)) & 1n)) {
          fail(name, `${stateOffset(g + from - within)}: subcluster ${s} is unallocated`, l2At + entryAt);
        }
      }
    } else if (host === 0) {
      if (!(entry & 1n)) fail(name, `${stateOffset(g)}: cluster is unallocated`, l2At + entryAt);
      bytes = new Uint8Array(take);
    } else {
      bytes = await readAt(fh, host + within, take);
    }
    if (bytes.length < take) fail(name, `${stateOffset(g)}: cluster at ${host} is cut short by the end of the file`, host, true);
    yield bytes;
    g += take;
  }
}

/** `qemu-img snapshot -l`'s VM SIZE: sizes in binary units with three significant digits. */
function sizeToString(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 * 0.95 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${n} B`;
  return `${v
    .toPrecision(3)
    .replace(/(\.\d*?)0+$/, "$1")
    .replace(/\.$/, "")} ${units[i]}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** A snapshot's row as `qemu-img snapshot -l` prints it: ID, TAG, VM SIZE, DATE (local time), VM CLOCK. */
export function snapshotRow(s: Qcow2Snapshot): [string, string, string, string, string] {
  const d = new Date(s.dateSec * 1000);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  const ms = s.vmClockNsec / 1000000n;
  const clock = `${String(ms / 3600000n).padStart(2, "0")}:${pad2(Number((ms / 60000n) % 60n))}:${pad2(Number((ms / 1000n) % 60n))}.${String(ms % 1000n).padStart(3, "0")}`;
  return [s.id, s.tag, sizeToString(s.vmStateSize), date, clock];
}
