/**
 * The ELF core file QEMU 7.2's `dump-guest-memory` (paging off) writes,
 * byte for byte (dump/dump.c):
 *
 *   ELF header (64 bytes)
 *   section headers: a null one and `.shstrtab` (2 x 64 bytes, at 64)
 *   program headers: one PT_NOTE, then one PT_LOAD per guest-physical range (56 bytes each, at 192)
 *   the notes
 *   the ranges' bytes, back to back, in address order (no alignment padding)
 *   the section name table "\0.shstrtab\0" (11 bytes)
 *
 * Quirks kept: `e_ehsize` is 8, not 64 (QEMU 7.2 takes the size of a
 * pointer to the header); every `p_align` and `p_flags` is 0; a PT_LOAD's
 * `p_vaddr` equals its `p_paddr` (paging off: no virtual address, and QEMU
 * then writes the physical one); the null section header's `sh_info` would
 * carry the program header count past 0xffff (never, for these machines).
 * Only ELFCLASS64 little-endian is written: every machine modelled here
 * has a range ending at or above 4 GiB (x86: the BIOS) or is aarch64.
 */
import type { GuestRange } from "./guest-physical-map.js";

export const EM_386 = 3;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

const EHDR = 64;
const SHDR = 64;
const PHDR = 56;
const PN_XNUM = 0xffff;
const SHSTRTAB = Buffer.from("\0.shstrtab\0", "latin1");

export interface ElfCoreLayout {
  /** Header, section headers and program headers (everything before the notes). */
  readonly headers: Uint8Array;
  readonly notesOffset: number;
  /** File offset of each range's bytes, in range order. */
  readonly rangeOffsets: readonly number[];
  /** File offset of the section name table, and the table itself. */
  readonly trailerOffset: number;
  readonly trailer: Uint8Array;
  /** Total file size. */
  readonly size: number;
}

export function elfCoreLayout(machine: number, ranges: readonly GuestRange[], notesSize: number): ElfCoreLayout {
  const phnum = 1 + ranges.length;
  const phoff = EHDR + 2 * SHDR;
  const notesOffset = phoff + phnum * PHDR;
  const memoryOffset = notesOffset + notesSize;
  const rangeOffsets: number[] = [];
  let at = memoryOffset;
  for (const r of ranges) {
    rangeOffsets.push(at);
    at += r.length;
  }
  const trailerOffset = at;

  const b = Buffer.alloc(notesOffset);
  // ELF header
  b.set([0x7f, 0x45, 0x4c, 0x46, 2 /* ELFCLASS64 */, 1 /* ELFDATA2LSB */, 1 /* EV_CURRENT */], 0);
  b.writeUInt16LE(4, 16); // ET_CORE
  b.writeUInt16LE(machine, 18);
  b.writeUInt32LE(1, 20); // e_version
  b.writeBigUInt64LE(BigInt(phoff), 32);
  b.writeBigUInt64LE(BigInt(EHDR), 40); // e_shoff: section headers right after this header
  b.writeUInt16LE(8, 52); // e_ehsize as QEMU 7.2 writes it
  b.writeUInt16LE(PHDR, 54);
  b.writeUInt16LE(Math.min(phnum, PN_XNUM), 56);
  b.writeUInt16LE(SHDR, 58);
  b.writeUInt16LE(2, 60); // e_shnum
  b.writeUInt16LE(1, 62); // e_shstrndx
  // section header 0 (null): sh_info holds the real count when e_phnum overflows
  if (phnum >= PN_XNUM) b.writeUInt32LE(phnum, EHDR + 44);
  // section header 1: .shstrtab
  const sh = EHDR + SHDR;
  b.writeUInt32LE(1, sh); // sh_name
  b.writeUInt32LE(3, sh + 4); // SHT_STRTAB
  b.writeBigUInt64LE(BigInt(trailerOffset), sh + 24);
  b.writeBigUInt64LE(BigInt(SHSTRTAB.length), sh + 32);
  // PT_NOTE
  b.writeUInt32LE(4, phoff);
  b.writeBigUInt64LE(BigInt(notesOffset), phoff + 8);
  b.writeBigUInt64LE(BigInt(notesSize), phoff + 32);
  b.writeBigUInt64LE(BigInt(notesSize), phoff + 40);
  // PT_LOADs
  ranges.forEach((r, i) => {
    const p = phoff + (i + 1) * PHDR;
    b.writeUInt32LE(1, p);
    b.writeBigUInt64LE(BigInt(rangeOffsets[i]!), p + 8);
    b.writeBigUInt64LE(BigInt(r.start), p + 16); // p_vaddr
    b.writeBigUInt64LE(BigInt(r.start), p + 24); // p_paddr
    b.writeBigUInt64LE(BigInt(r.length), p + 32);
    b.writeBigUInt64LE(BigInt(r.length), p + 40);
  });
  return { headers: b, notesOffset, rangeOffsets, trailerOffset, trailer: SHSTRTAB, size: trailerOffset + SHSTRTAB.length };
}

/** One ELF note: 12-byte header, name padded to 4, descriptor padded to 4. */
export function elfNote(name: string, type: number, desc: Uint8Array): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, "latin1");
  const pad4 = (n: number) => (n + 3) & ~3;
  const out = Buffer.alloc(12 + pad4(nameBytes.length) + pad4(desc.length));
  out.writeUInt32LE(nameBytes.length, 0);
  out.writeUInt32LE(desc.length, 4);
  out.writeUInt32LE(type, 8);
  out.set(nameBytes, 12);
  out.set(desc, 12 + pad4(nameBytes.length));
  return out;
}
