import { describe, expect, it } from "vitest";
import { armNotes } from "./arm-notes.js";
import { type X86CpuRegisters, x86Machine, x86Notes } from "./x86-notes.js";

const seg = (selector: number, base = 0n, limit = 0xffff, flags = 0) => ({ selector, base, limit, flags });
/** An x86 vCPU at reset (as QEMU 7.2 migrates it). */
const reset = (): X86CpuRegisters => ({
  regs: [0n, 0n, 0x60fb1n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
  eip: 0xfff0n,
  eflags: 2n,
  hflags: 0,
  segs: [
    seg(0, 0n, 0xffff, 0x9300),
    seg(0xf000, 0xffff0000n, 0xffff, 0x9b00),
    seg(0, 0n, 0xffff, 0x9300),
    seg(0, 0n, 0xffff, 0x9300),
    seg(0, 0n, 0xffff, 0x9300),
    seg(0, 0n, 0xffff, 0x9300),
  ],
  ldt: seg(0, 0n, 0xffff, 0x8200),
  tr: seg(0, 0n, 0xffff, 0x8b00),
  gdt: seg(0),
  idt: seg(0),
  cr0: 0x60000010n,
  cr2: 0n,
  cr3: 0n,
  cr4: 0n,
  kernelgsbase: 0n,
});

describe("x86 notes (target/i386/arch_dump.c)", () => {
  it("legacy mode: i386 prstatus (144 bytes) per vCPU, then the QEMU notes (440 bytes); EM_386", () => {
    const notes = x86Notes([reset(), reset()]);
    expect(x86Machine([reset()])).toBe(3);
    expect(notes.length).toBe(2 * (20 + 144) + 2 * (20 + 440));
    const d = 20; // first descriptor
    expect([notes.readUInt32LE(4), notes.readUInt32LE(8), notes.readUInt32LE(d + 24)]).toEqual([144, 1, 1]);
    expect([notes.readUInt32LE(d + 72 + 8), notes.readUInt32LE(d + 72 + 48), notes.readUInt16LE(d + 72 + 52), notes.readUInt32LE(d + 72 + 56)]).toEqual([
      0x60fb1, 0xfff0, 0xf000, 2,
    ]);
    expect(notes.readUInt32LE(164 + d + 24)).toBe(2); // the second vCPU's pid
    const q = 2 * 164;
    expect(notes.subarray(q + 12, q + 17).toString("latin1")).toBe("QEMU\0");
    expect([notes.readUInt32LE(q + 8), notes.readUInt32LE(q + 20), notes.readUInt32LE(q + 24)]).toEqual([0, 1, 440]);
    expect(notes.readBigUInt64LE(q + 20 + 392)).toBe(0x60000010n); // cr[0]
    expect(notes.readUInt32LE(q + 20 + 152)).toBe(0xf000); // cs.selector
    expect(notes.readBigUInt64LE(q + 20 + 152 + 16)).toBe(0xffff0000n); // cs.base
  });
  it("long mode of the first vCPU: x86_64 prstatus (336 bytes), registers at 112; EM_X86_64", () => {
    const c = { ...reset(), hflags: 1 << 14, eip: 0xffffffff81000000n, regs: reset().regs.map((_, i) => BigInt(i + 1)) };
    expect(x86Machine([c])).toBe(62);
    const notes = x86Notes([c]);
    const r = 20 + 112;
    expect(notes.readUInt32LE(4)).toBe(336);
    expect([
      notes.readBigUInt64LE(r),
      notes.readBigUInt64LE(r + 80),
      notes.readBigUInt64LE(r + 120),
      notes.readBigUInt64LE(r + 128),
      notes.readBigUInt64LE(r + 152),
    ]).toEqual([16n, 1n, 0n, 0xffffffff81000000n, 5n]);
  });
});

describe("aarch64 notes (target/arm/arch_dump.c)", () => {
  const cpu = {
    xregs: Array.from({ length: 32 }, (_, i) => BigInt(i)),
    pc: 0x200n,
    pstate: 0x3c5,
    qregs: Array.from({ length: 32 }, (_, i) => [BigInt(i), BigInt(-i)] as const),
    fpscr: 0x08000000 | 0x00400000,
  };
  it("per vCPU NT_PRSTATUS (392 bytes) then NT_PRFPREG (528 bytes)", () => {
    const n = armNotes([cpu]);
    expect(n.length).toBe(20 + 392 + 20 + 528);
    const d = 20;
    expect([
      n.readUInt32LE(d + 32),
      n.readBigUInt64LE(d + 112 + 8),
      n.readBigUInt64LE(d + 112 + 248),
      n.readBigUInt64LE(d + 112 + 256),
      n.readBigUInt64LE(d + 112 + 264),
      n.readUInt32LE(d + 384),
    ]).toEqual([1, 1n, 31n, 0x200n, 0x3c5n, 1]);
    const f = 20 + 392 + 20;
    expect([n.readUInt32LE(20 + 392 + 8), n.readBigUInt64LE(f + 16), n.readBigUInt64LE(f + 24), n.readUInt32LE(f + 512), n.readUInt32LE(f + 516)]).toEqual([
      2,
      1n,
      2n ** 64n - 1n,
      0x08000000,
      0x00400000,
    ]);
  });
  it("refuses a vCPU in AArch32 state", () => {
    expect(() => armNotes([{ ...cpu, pstate: 0x1d3 }])).toThrow(/AArch32/);
  });
});
