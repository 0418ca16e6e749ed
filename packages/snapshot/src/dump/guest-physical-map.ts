/**
 * The guest-physical map: which RAM block bytes a guest sees at which
 * physical address, as QEMU 7.2 lists the ranges for `dump-guest-memory`
 * (its guest_phys_blocks: every RAM-backed section of the flattened system
 * address space, in address order, adjacent sections merged when they are
 * the same block at contiguous offsets).
 *
 * pc / q35 (hw/i386/pc.c, pc_piix.c, pc_q35.c, hw/pci-host/pam.c):
 * - `pc.ram` is split at `below4g`: [0, below4g) and [4 GiB, 4 GiB + above4g).
 *   pc: below4g = max-ram-below-4g (default 3.5 GiB), lowered to 3 GiB
 *   when the RAM does not fit below it and the machine type aligns to a
 *   gigabyte (pc-i440fx-2.1 and later). q35: 2 GiB when RAM is at least
 *   2.75 GiB, else 2.75 GiB, and never above max-ram-below-4g (default 4 GiB).
 * - The PCI address space sits under everything (lower priority than RAM):
 *   `pc.bios` ends at 4 GiB, visible where RAM does not cover it.
 * - 13 PAM regions (0xc0000-0xeffff in 16 KiB steps, 0xf0000-0xfffff) overlay
 *   the low RAM: modes 1-3 show `pc.ram` itself, mode 0 shows the PCI space
 *   there: `pc.rom` (128 KiB at 0xc0000) and `isa-bios` (the last 128 KiB of
 *   `pc.bios`, ending at 1 MiB). The register nibbles come from the host
 *   bridge's config space (i440FX 0x59.., MCH 0x90..).
 * - The SMRAM window at 0xa0000 shows the PCI space, which holds nothing
 *   without a VGA device: RAM shows through (streams with a VGA device are
 *   refused, see below).
 * - q35 TSEG (ESMRAMC.T_EN) hides the top of low RAM.
 *
 * aarch64 virt (hw/arm/virt.c): `mach-virt.ram` at 1 GiB; the flash blocks
 * are ROM devices, not RAM, so QEMU does not dump them.
 *
 * RAM blocks the model does not place (a VGA's video RAM, option ROMs mapped
 * through PCI BARs, ...) would make the map wrong: they are refused.
 */

/** One run of guest-physical addresses backed by one RAM block. */
export interface GuestRange {
  /** Guest-physical start address. */
  readonly start: number;
  readonly length: number;
  /** RAM block idstr. */
  readonly block: string;
  /** Byte offset in the block. */
  readonly offset: number;
}

export type MachineFamily = "pc" | "q35" | "virt";

export interface MachineMapInput {
  /** Machine type as the configuration section names it (`pc-i440fx-7.2`, `pc-q35-7.2`, `virt-7.2`). */
  readonly machineType: string;
  /** RAM block lengths by idstr, from the RAM setup section. */
  readonly blocks: ReadonlyMap<string, number>;
  /** The host bridge's PCI config space (pc: i440FX, q35: mch). */
  readonly hostBridgeConfig?: Uint8Array;
  /** QEMU's `-machine max-ram-below-4g=` when it was given (the stream does not record it). */
  readonly maxRamBelow4g?: number;
}

export class GuestMapError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "GuestMapError";
  }
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const FOUR_GIB = 4 * GiB;

export function machineFamily(machineType: string): MachineFamily {
  if (/^pc-i440fx-/.test(machineType)) return "pc";
  if (/^pc-q35-/.test(machineType)) return "q35";
  if (/^virt(-|$)/.test(machineType)) return "virt";
  throw new GuestMapError(`machine type ${JSON.stringify(machineType)}: the guest-physical map is known for pc-i440fx-*, pc-q35-* and virt-* only`);
}

/** [major, minor] of a versioned machine type (`pc-i440fx-2.0` -> [2, 0]). */
function machineVersion(machineType: string): [number, number] | undefined {
  const m = /-(\d+)\.(\d+)$/.exec(machineType);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** How pc.ram is split around the PCI hole: bytes below and above 4 GiB. */
export function ramSplit(family: "pc" | "q35", machineType: string, ramSize: number, maxRamBelow4g?: number): { below4g: number; above4g: number } {
  let lowmem: number;
  if (family === "pc") {
    lowmem = maxRamBelow4g ?? 0xe0000000;
    const v = machineVersion(machineType);
    const gigabyteAlign = v === undefined || v[0] > 2 || (v[0] === 2 && v[1] >= 1);
    if (ramSize >= lowmem && gigabyteAlign && lowmem > 0xc0000000) lowmem = 0xc0000000;
  } else {
    lowmem = ramSize >= 0xb0000000 ? 0x80000000 : 0xb0000000;
    const max = maxRamBelow4g ?? FOUR_GIB;
    if (lowmem > max) lowmem = max;
  }
  return ramSize >= lowmem ? { below4g: lowmem, above4g: ramSize - lowmem } : { below4g: ramSize, above4g: 0 };
}

type Content = { readonly block: string; readonly offset: number } | "hidden";
interface Piece {
  start: number;
  end: number;
  content: Content;
}

/** Higher-priority paint goes over what is there; unpainted addresses hold nothing. */
class Painter {
  private pieces: Piece[] = [];

  paint(start: number, end: number, content: Content): void {
    if (end <= start) return;
    const out: Piece[] = [];
    for (const p of this.pieces) {
      if (p.end <= start || p.start >= end) {
        out.push(p);
        continue;
      }
      const shift = (at: number): Content => (p.content === "hidden" ? "hidden" : { block: p.content.block, offset: p.content.offset + (at - p.start) });
      if (p.start < start) out.push({ start: p.start, end: start, content: p.content });
      if (p.end > end) out.push({ start: end, end: p.end, content: shift(end) });
    }
    out.push({ start, end, content });
    this.pieces = out.sort((a, b) => a.start - b.start);
  }

  /** Paints `block` from `offset` over [start, end), clipped to [from, to). */
  paintBlock(start: number, end: number, block: string, offset: number, from = 0, to = Number.MAX_SAFE_INTEGER): void {
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    if (e > s) this.paint(s, e, { block, offset: offset + (s - start) });
  }

  /** The RAM ranges in address order, neighbours merged when they continue the same block. */
  ranges(): GuestRange[] {
    const out: { start: number; length: number; block: string; offset: number }[] = [];
    for (const p of this.pieces) {
      if (p.content === "hidden") continue;
      const last = out[out.length - 1];
      if (last && last.start + last.length === p.start && last.block === p.content.block && last.offset + last.length === p.content.offset) {
        last.length += p.end - p.start;
      } else {
        out.push({ start: p.start, length: p.end - p.start, block: p.content.block, offset: p.content.offset });
      }
    }
    return out;
  }
}

const PAM_BIOS = { start: 0xf0000, size: 64 * KiB };
const PAM_EXPANSION = { start: 0xc0000, size: 16 * KiB, count: 12 };
const PC_ROM = { start: 0xc0000, size: 128 * KiB };
const ISA_BIOS_MAX = 128 * KiB;
/** First PAM register in the host bridge's config space. */
const PAM0 = { pc: 0x59, q35: 0x90 } as const;
const MCH_ESMRAMC = 0x9e;
const MCH_F_SMBASE = 0x9c;
/** Default of the q35 `x-ext-tseg-mbytes` property since pc-q35-2.10 (0 before). */
function extTsegBytes(machineType: string): number {
  const v = machineVersion(machineType);
  return v !== undefined && (v[0] < 2 || (v[0] === 2 && v[1] < 10)) ? 0 : 16 * MiB;
}

/** RAM blocks that exist without being mapped at a guest-physical address (fw_cfg files). */
const isFwCfgBlock = (name: string): boolean => name.startsWith("/rom@");

function checkBlocks(blocks: ReadonlyMap<string, number>, placed: readonly string[], unmapped: readonly string[]): void {
  const unknown = [...blocks.keys()].filter((n) => !placed.includes(n) && !unmapped.includes(n) && !isFwCfgBlock(n));
  if (unknown.length > 0) {
    throw new GuestMapError(
      `RAM block${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => JSON.stringify(n)).join(", ")}: where the guest sees ${unknown.length > 1 ? "them" : "it"} (device BARs, VGA windows) is not modelled, so the guest-physical map would be wrong`,
    );
  }
}

function blockLength(blocks: ReadonlyMap<string, number>, name: string): number {
  const n = blocks.get(name);
  if (n === undefined) throw new GuestMapError(`no RAM block ${JSON.stringify(name)} in the stream`);
  return n;
}

function x86Map(family: "pc" | "q35", input: MachineMapInput): GuestRange[] {
  const { blocks, machineType } = input;
  checkBlocks(blocks, ["pc.ram", "pc.bios", "pc.rom"], []);
  const config = input.hostBridgeConfig;
  if (!config || config.length < 256)
    throw new GuestMapError(
      `no ${family === "pc" ? "i440FX" : "mch"} host bridge section with its PCI config space: the PAM registers decide what 0xc0000-0xfffff shows`,
    );
  const ramSize = blockLength(blocks, "pc.ram");
  const biosSize = blockLength(blocks, "pc.bios");
  const romSize = blocks.get("pc.rom");
  const { below4g, above4g } = ramSplit(family, machineType, ramSize, input.maxRamBelow4g);
  const map = new Painter();

  // The PCI address space, lowest priority: the BIOS ends at 4 GiB.
  map.paintBlock(FOUR_GIB - biosSize, FOUR_GIB, "pc.bios", 0);
  // RAM over it.
  map.paintBlock(0, below4g, "pc.ram", 0);
  map.paintBlock(FOUR_GIB, FOUR_GIB + above4g, "pc.ram", below4g);

  // PAM overlays: RAM (modes 1-3) or the PCI space (mode 0).
  const isaBios = Math.min(biosSize, ISA_BIOS_MAX);
  for (let i = 0; i <= PAM_EXPANSION.count; i++) {
    const start = i === 0 ? PAM_BIOS.start : PAM_EXPANSION.start + (i - 1) * PAM_EXPANSION.size;
    const end = start + (i === 0 ? PAM_BIOS.size : PAM_EXPANSION.size);
    const reg = config[PAM0[family] + ((i + 1) >> 1)]!;
    const mode = (i & 1 ? reg : reg >> 4) & 3;
    if (mode !== 0) {
      map.paintBlock(start, end, "pc.ram", start);
      continue;
    }
    // PCI space in this window: pc.rom and isa-bios where they are, nothing (RAM shows through) elsewhere.
    if (romSize !== undefined) map.paintBlock(PC_ROM.start, PC_ROM.start + romSize, "pc.rom", 0, start, end);
    map.paintBlock(1 * MiB - isaBios, 1 * MiB, "pc.bios", biosSize - isaBios, start, end);
  }

  if (family === "q35") {
    if (config[MCH_F_SMBASE] !== 0)
      throw new GuestMapError(`q35 SMBASE register (mch config 0x9c) is 0x${config[MCH_F_SMBASE]!.toString(16)}: the SMRAM-at-SMBASE window is not modelled`);
    const esmramc = config[MCH_ESMRAMC]!;
    if (esmramc & 1) {
      const tseg = [1 * MiB, 2 * MiB, 8 * MiB, extTsegBytes(machineType)][(esmramc >> 1) & 3]!;
      map.paint(below4g - tseg, below4g, "hidden");
    }
  }
  return map.ranges();
}

/** The virt machine's RAM base (VIRT_MEM in hw/arm/virt.c). */
const VIRT_RAM_BASE = 1 * GiB;

function virtMap(input: MachineMapInput): GuestRange[] {
  checkBlocks(input.blocks, ["mach-virt.ram"], ["virt.flash0", "virt.flash1"]);
  return [{ start: VIRT_RAM_BASE, length: blockLength(input.blocks, "mach-virt.ram"), block: "mach-virt.ram", offset: 0 }];
}

/** The guest-physical RAM ranges of a machine, in address order. */
export function guestPhysicalMap(input: MachineMapInput): GuestRange[] {
  const family = machineFamily(input.machineType);
  return family === "virt" ? virtMap(input) : x86Map(family, input);
}
