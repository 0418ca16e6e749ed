import { describe, expect, it } from "vitest";
import { EM_X86_64, elfCoreLayout, elfNote } from "./elf-core.js";

describe("elfCoreLayout: QEMU 7.2's core layout", () => {
  const ranges = [
    { start: 0, length: 0x10000000, block: "pc.ram", offset: 0 },
    { start: 0xfffc0000, length: 0x40000, block: "pc.bios", offset: 0 },
  ];
  const l = elfCoreLayout(EM_X86_64, ranges, 0x660);
  const h = Buffer.from(l.headers);
  it("header, section headers at 64, program headers at 192, notes, memory, then .shstrtab", () => {
    expect([h.readUInt16LE(16), h.readUInt16LE(18), h.readBigUInt64LE(32), h.readBigUInt64LE(40)]).toEqual([4, EM_X86_64, 192n, 64n]);
    expect([h.readUInt16LE(52), h.readUInt16LE(54), h.readUInt16LE(56), h.readUInt16LE(58), h.readUInt16LE(60), h.readUInt16LE(62)]).toEqual([
      8, 56, 3, 64, 2, 1,
    ]);
    expect(l.notesOffset).toBe(0x168);
    expect(l.rangeOffsets).toEqual([0x7c8, 0x100007c8]);
    expect(l.trailerOffset).toBe(0x100407c8);
    expect(l.size).toBe(0x100407c8 + 11);
    expect(Buffer.from(l.trailer).toString("latin1")).toBe("\0.shstrtab\0");
  });
  it("PT_LOAD: vaddr = paddr, filesz = memsz, flags and align 0", () => {
    const p = 192 + 2 * 56;
    expect([
      h.readUInt32LE(p),
      h.readUInt32LE(p + 4),
      h.readBigUInt64LE(p + 8),
      h.readBigUInt64LE(p + 16),
      h.readBigUInt64LE(p + 24),
      h.readBigUInt64LE(p + 32),
      h.readBigUInt64LE(p + 40),
      h.readBigUInt64LE(p + 48),
    ]).toEqual([1, 0, 0x100007c8n, 0xfffc0000n, 0xfffc0000n, 0x40000n, 0x40000n, 0n]);
  });
  it("the .shstrtab section header points at the trailer", () => {
    const s = 128;
    expect([h.readUInt32LE(s), h.readUInt32LE(s + 4), h.readBigUInt64LE(s + 24), h.readBigUInt64LE(s + 32)]).toEqual([1, 3, 0x100407c8n, 11n]);
  });
});

describe("elfNote", () => {
  it("pads the name and the descriptor to 4 bytes", () => {
    const n = elfNote("CORE", 1, new Uint8Array([1, 2, 3, 4, 5]));
    expect(n.toString("hex")).toBe("05000000" + "05000000" + "01000000" + "434f524500000000" + "0102030405000000");
  });
});
