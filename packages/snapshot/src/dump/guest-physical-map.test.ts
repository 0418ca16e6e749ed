import { describe, expect, it } from "vitest";
import { GuestMapError, guestPhysicalMap, ramSplit } from "./guest-physical-map.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const x86Blocks = (ram: number) =>
  new Map([
    ["pc.ram", ram],
    ["pc.bios", 256 * 1024],
    ["pc.rom", 128 * 1024],
    ["/rom@etc/acpi/tables", 128 * 1024],
  ]);
/** A host bridge config space with the 7 PAM registers at `pam0` set to `value`. */
const config = (pam0: number, value: number, extra: Record<number, number> = {}) => {
  const c = new Uint8Array(256);
  c.fill(value, pam0, pam0 + 7);
  for (const [k, v] of Object.entries(extra)) c[Number(k)] = v;
  return c;
};
const show = (r: { start: number; length: number; block: string; offset: number }[]) =>
  r.map((x) => `${x.start.toString(16)}+${x.length.toString(16)} ${x.block}@${x.offset.toString(16)}`);

describe("ramSplit: pc.ram below and above 4 GiB, as pc_piix.c / pc_q35.c split it", () => {
  it("pc: 3.5 GiB fits below; from 3.5 GiB the split moves to 3 GiB (gigabyte alignment)", () => {
    expect(ramSplit("pc", "pc-i440fx-7.2", 3584 * MiB - 4096)).toEqual({ below4g: 3584 * MiB - 4096, above4g: 0 });
    expect(ramSplit("pc", "pc-i440fx-7.2", 3712 * MiB)).toEqual({ below4g: 3 * GiB, above4g: 640 * MiB });
    expect(ramSplit("pc", "pc-i440fx-2.0", 4 * GiB)).toEqual({ below4g: 3584 * MiB, above4g: 512 * MiB });
    expect(ramSplit("pc", "pc-i440fx-7.2", 4 * GiB, 2 * GiB)).toEqual({ below4g: 2 * GiB, above4g: 2 * GiB });
  });
  it("q35: 2.75 GiB below unless RAM reaches it, then 2 GiB; max-ram-below-4g lowers it", () => {
    expect(ramSplit("q35", "pc-q35-7.2", 2 * GiB)).toEqual({ below4g: 2 * GiB, above4g: 0 });
    expect(ramSplit("q35", "pc-q35-7.2", 3 * GiB)).toEqual({ below4g: 2 * GiB, above4g: GiB });
    expect(ramSplit("q35", "pc-q35-7.2", 2816 * MiB - 4096)).toEqual({ below4g: 2816 * MiB - 4096, above4g: 0 });
    expect(ramSplit("q35", "pc-q35-7.2", 2 * GiB, GiB)).toEqual({ below4g: GiB, above4g: GiB });
  });
});

describe("guestPhysicalMap", () => {
  it("pc at reset (PAM all PCI): pc.rom and isa-bios below 1 MiB, the BIOS under 4 GiB (as QEMU 7.2 dumps it)", () => {
    const map = guestPhysicalMap({ machineType: "pc-i440fx-7.2", blocks: x86Blocks(32 * MiB), hostBridgeConfig: config(0x59, 0) });
    expect(show(map)).toEqual([
      "0+c0000 pc.ram@0",
      "c0000+20000 pc.rom@0",
      "e0000+20000 pc.bios@20000",
      "100000+1f00000 pc.ram@100000",
      "fffc0000+40000 pc.bios@0",
    ]);
  });
  it("pc after the BIOS shadowed itself (PAM read-only RAM): one RAM range", () => {
    const map = guestPhysicalMap({ machineType: "pc-i440fx-7.2", blocks: x86Blocks(32 * MiB), hostBridgeConfig: config(0x59, 0x11) });
    expect(show(map)).toEqual(["0+2000000 pc.ram@0", "fffc0000+40000 pc.bios@0"]);
  });
  it("q35 with RAM above 4 GiB and only the 0xf0000 PAM region in RAM mode", () => {
    const map = guestPhysicalMap({ machineType: "pc-q35-7.2", blocks: x86Blocks(3 * GiB), hostBridgeConfig: config(0x90, 0, { 144: 0x30 }) });
    expect(show(map)).toEqual([
      "0+c0000 pc.ram@0",
      "c0000+20000 pc.rom@0",
      "e0000+10000 pc.bios@20000",
      "f0000+7ff10000 pc.ram@f0000",
      "fffc0000+40000 pc.bios@0",
      "100000000+40000000 pc.ram@80000000",
    ]);
  });
  it("q35 TSEG (ESMRAMC.T_EN, 8 MiB) hides the top of low RAM", () => {
    const map = guestPhysicalMap({ machineType: "pc-q35-7.2", blocks: x86Blocks(256 * MiB), hostBridgeConfig: config(0x90, 0x33, { 158: 0x05 }) });
    expect(show(map)).toEqual(["0+f800000 pc.ram@0", "fffc0000+40000 pc.bios@0"]);
  });
  it("aarch64 virt: RAM at 1 GiB; the flash blocks are not RAM", () => {
    const map = guestPhysicalMap({
      machineType: "virt-7.2",
      blocks: new Map([
        ["mach-virt.ram", 64 * MiB],
        ["virt.flash0", 64 * MiB],
        ["virt.flash1", 64 * MiB],
      ]),
    });
    expect(show(map)).toEqual(["40000000+4000000 mach-virt.ram@0"]);
  });
  it("refuses what it cannot place: a VGA's video RAM, an unknown machine, no host bridge", () => {
    const blocks = new Map([...x86Blocks(32 * MiB), ["0000:00:02.0/vga.vram", 16 * MiB]]);
    expect(() => guestPhysicalMap({ machineType: "pc-i440fx-7.2", blocks, hostBridgeConfig: config(0x59, 0) })).toThrow(/vga\.vram.*not modelled/);
    expect(() => guestPhysicalMap({ machineType: "microvm", blocks: x86Blocks(32 * MiB) })).toThrow(GuestMapError);
    expect(() => guestPhysicalMap({ machineType: "pc-i440fx-7.2", blocks: x86Blocks(32 * MiB) })).toThrow(/PAM/);
  });
});
