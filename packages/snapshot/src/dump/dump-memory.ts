/**
 * Guest memory of a snapshot as one file: QEMU 7.2's `dump-guest-memory`
 * ELF core (paging off), byte for byte, or a raw image addressed by
 * guest-physical address.
 *
 * Two passes over the input, because a stream carries its RAM before the
 * device state the file's layout depends on: the first reads the machine
 * (skipping the pages), the second rebuilds the RAM (XBZRLE applied) with
 * sinks that write each page where the guest-physical map puts it in the
 * output file. The file is created sparse: pages never sent, or zero, stay
 * holes, and memory use does not grow with the guest (one byte of state per
 * page, a 1 MiB write buffer, and the few pages of blocks no range shows).
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import type { ByteSource, DecodeLimits, Registry } from "@qber/core";
import { type RamBlockInfo, type RamBlockSink, reconstructRam } from "@qber/ram";
import { armNotes } from "./arm-notes.js";
import { EM_AARCH64, elfCoreLayout } from "./elf-core.js";
import { type GuestRange, guestPhysicalMap } from "./guest-physical-map.js";
import { type MachineState, readMachineState } from "./machine-state.js";
import { type X86CpuRegisters, x86Machine, x86Notes } from "./x86-notes.js";
import type { ArmCpuRegisters } from "./arm-notes.js";

export type MemoryDumpFormat = "elf" | "raw";

export interface DumpMemoryOptions {
  /** "elf" (default): QEMU's dump-guest-memory core; "raw": a sparse image by guest-physical address. */
  readonly format?: MemoryDumpFormat;
  /** QEMU's `-machine max-ram-below-4g=` (bytes), when the source VM had it: the stream does not record it. */
  readonly maxRamBelow4g?: number;
  /** Plugins for the device sections (the x86 cpu and host bridge models). */
  readonly registry?: Registry;
  readonly limits?: Partial<DecodeLimits>;
}

export interface MemoryDumpSummary {
  readonly format: MemoryDumpFormat;
  readonly machineType: string;
  readonly cpus: number;
  /** The guest-physical RAM ranges, in address order (one PT_LOAD each). */
  readonly ranges: readonly GuestRange[];
  /** Bytes of the output file. */
  readonly size: number;
}

const STAGE = 1 << 20;
const ZEROS = new Uint8Array(STAGE);

/** Positional writes into one file, contiguous ones gathered into writes of up to 1 MiB. */
class OutputFile {
  private readonly stage = new Uint8Array(STAGE);
  private stageAt = 0;
  private staged = 0;

  constructor(readonly fd: number) {}

  private put(buf: Uint8Array, at: number): void {
    for (let done = 0; done < buf.length; ) done += writeSync(this.fd, buf, done, buf.length - done, at + done);
  }

  flush(): void {
    if (this.staged > 0) this.put(this.stage.subarray(0, this.staged), this.stageAt);
    this.staged = 0;
  }

  write(at: number, data: Uint8Array): void {
    if (this.staged > 0 && (at !== this.stageAt + this.staged || this.staged + data.length > STAGE)) this.flush();
    if (data.length > STAGE) return this.put(data, at);
    if (this.staged === 0) this.stageAt = at;
    this.stage.set(data, this.staged);
    this.staged += data.length;
  }

  zero(at: number, n: number): void {
    for (let done = 0; done < n; done += STAGE) this.write(at + done, ZEROS.subarray(0, Math.min(STAGE, n - done)));
  }

  read(at: number, into: Uint8Array): void {
    this.flush();
    let got = 0;
    while (got < into.length) {
      const r = readSync(this.fd, into, got, into.length - got, at + got);
      if (r === 0) break;
      got += r;
    }
    into.fill(0, got);
  }
}

/** Where a block's bytes [offset, offset+length) go in the file. */
interface Placement {
  readonly offset: number;
  readonly length: number;
  readonly fileOffset: number;
}

/**
 * A block's sink: each write lands at every place the map shows those bytes
 * (pc.bios is seen twice, below 4 GiB and through isa-bios below 1 MiB);
 * reads come from the first place. Pages no range shows are kept aside for
 * later XBZRLE deltas (they are few: ROM and firmware-table blocks).
 */
function placedSink(file: OutputFile, places: readonly Placement[]): RamBlockSink {
  const PAGE = 4096;
  const aside = new Map<number, Uint8Array>();
  /** Splits [offset, offset+length) into runs shown by one first place, or by none. */
  const runs = (offset: number, length: number): { at: number; n: number; place: Placement | undefined }[] => {
    const out: { at: number; n: number; place: Placement | undefined }[] = [];
    const end = offset + length;
    for (let at = offset; at < end; ) {
      const place = places.find((p) => at >= p.offset && at < p.offset + p.length);
      const next = place ? Math.min(end, place.offset + place.length) : Math.min(end, ...places.filter((p) => p.offset > at).map((p) => p.offset));
      out.push({ at, n: next - at, place });
      at = next;
    }
    return out;
  };
  /** Every file range showing block bytes [at, at+n). */
  const shownAt = (at: number, n: number, f: (fileAt: number, from: number, len: number) => void) => {
    for (const p of places) {
      const s = Math.max(at, p.offset);
      const e = Math.min(at + n, p.offset + p.length);
      if (e > s) f(p.fileOffset + (s - p.offset), s, e - s);
    }
  };
  return {
    write(offset, data) {
      for (const r of runs(offset, data.length)) {
        if (r.place) shownAt(r.at, r.n, (fileAt, s, len) => file.write(fileAt, data.subarray(s - offset, s - offset + len)));
        else for (let p = r.at; p < r.at + r.n; p += PAGE) aside.set(p, data.slice(p - offset, p - offset + PAGE));
      }
    },
    zero(offset, length) {
      for (const r of runs(offset, length)) {
        if (r.place) shownAt(r.at, r.n, (fileAt, _s, len) => file.zero(fileAt, len));
        else for (let p = r.at; p < r.at + r.n; p += PAGE) aside.delete(p);
      }
    },
    read(offset, into) {
      for (const r of runs(offset, into.length)) {
        const dst = into.subarray(r.at - offset, r.at - offset + r.n);
        if (r.place) file.read(r.place.fileOffset + (r.at - r.place.offset), dst);
        else
          for (let p = r.at; p < r.at + r.n; p += PAGE) {
            const page = aside.get(p);
            const d = into.subarray(p - offset, p - offset + PAGE);
            if (page) d.set(page.subarray(0, d.length));
            else d.fill(0);
          }
      }
    },
  };
}

function notesOf(state: MachineState): { machine: number; notes: Uint8Array } {
  const arch = state.cpus[0]!.arch;
  if (state.cpus.some((c) => c.arch !== arch)) throw new Error("vCPUs of two architectures");
  if (arch === "aarch64") return { machine: EM_AARCH64, notes: armNotes(state.cpus.map((c) => c.regs as ArmCpuRegisters)) };
  const cpus = state.cpus.map((c) => c.regs as X86CpuRegisters);
  return { machine: x86Machine(cpus), notes: x86Notes(cpus) };
}

/**
 * Writes the guest memory of the snapshot `open()` reads (BER bytes; called
 * twice, once per pass) into the file at `path` (created or truncated).
 */
export async function dumpMemory(open: () => ByteSource, path: string, options: DumpMemoryOptions = {}): Promise<MemoryDumpSummary> {
  const format = options.format ?? "elf";
  const read = { ...(options.registry ? { registry: options.registry } : {}), ...(options.limits ? { limits: options.limits } : {}) };
  const state = await readMachineState(open(), read);
  const ranges = guestPhysicalMap({
    machineType: state.machineType,
    blocks: state.blocks,
    ...(state.hostBridgeConfig ? { hostBridgeConfig: state.hostBridgeConfig } : {}),
    ...(options.maxRamBelow4g !== undefined ? { maxRamBelow4g: options.maxRamBelow4g } : {}),
  });

  let fileOffsets: readonly number[];
  let size: number;
  let head: { at: number; bytes: Uint8Array }[];
  if (format === "elf") {
    const { machine, notes } = notesOf(state);
    const layout = elfCoreLayout(machine, ranges, notes.length);
    fileOffsets = layout.rangeOffsets;
    size = layout.size;
    head = [
      { at: 0, bytes: layout.headers },
      { at: layout.notesOffset, bytes: notes },
      { at: layout.trailerOffset, bytes: layout.trailer },
    ];
  } else {
    fileOffsets = ranges.map((r) => r.start);
    size = Math.max(0, ...ranges.map((r) => r.start + r.length));
    head = [];
  }

  const places = new Map<string, Placement[]>();
  ranges.forEach((r, i) => {
    const list = places.get(r.block) ?? [];
    list.push({ offset: r.offset, length: r.length, fileOffset: fileOffsets[i]! });
    places.set(r.block, list);
  });

  const fd = openSync(path, "w+");
  try {
    ftruncateSync(fd, size);
    const file = new OutputFile(fd);
    for (const h of head) file.write(h.at, h.bytes);
    await reconstructRam(open(), (block: RamBlockInfo) => placedSink(file, places.get(block.name) ?? []), read);
    file.flush();
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { format, machineType: state.machineType, cpus: state.cpus.length, ranges, size };
}
