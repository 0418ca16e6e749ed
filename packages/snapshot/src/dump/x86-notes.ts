/**
 * x86 vCPU notes of QEMU 7.2's dump (target/i386/arch_dump.c), built from
 * the migrated "cpu" section. For every vCPU, in CPU index order, a CORE
 * NT_PRSTATUS note; then for every vCPU a "QEMU" note (type 0) holding
 * QEMUCPUState version 1 (440 bytes). The prstatus layout follows the
 * first vCPU's mode: Linux's x86_64 elf_prstatus (336 bytes, EM_X86_64)
 * when it is in long mode (hflags LMA), else the i386 one (144 bytes,
 * EM_386, registers truncated to 32 bits). pr_pid is the CPU index + 1.
 * Fields QEMU leaves zero stay zero (orig_rax/orig_eax, the padding, the
 * signal and time fields).
 */
import { EM_386, EM_X86_64, elfNote } from "./elf-core.js";

export interface X86Segment {
  readonly selector: number;
  readonly base: bigint;
  readonly limit: number;
  readonly flags: number;
}

/** What the notes need of one vCPU (names as the cpu section's fields). */
export interface X86CpuRegisters {
  /** RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15. */
  readonly regs: readonly bigint[];
  readonly eip: bigint;
  readonly eflags: bigint;
  readonly hflags: number;
  /** ES, CS, SS, DS, FS, GS. */
  readonly segs: readonly X86Segment[];
  readonly ldt: X86Segment;
  readonly tr: X86Segment;
  readonly gdt: X86Segment;
  readonly idt: X86Segment;
  readonly cr0: bigint;
  readonly cr2: bigint;
  readonly cr3: bigint;
  readonly cr4: bigint;
  readonly kernelgsbase: bigint;
}

const NT_PRSTATUS = 1;
const HF_LMA = 1 << 14;
const [RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI] = [0, 1, 2, 3, 4, 5, 6, 7];
const [ES, CS, SS, DS, FS, GS] = [0, 1, 2, 3, 4, 5];

/** Whether the dump is an x86_64 one: the first vCPU is in long mode. */
export function x86LongMode(cpus: readonly X86CpuRegisters[]): boolean {
  return cpus.length > 0 && (cpus[0]!.hflags & HF_LMA) !== 0;
}

export function x86Machine(cpus: readonly X86CpuRegisters[]): number {
  return x86LongMode(cpus) ? EM_X86_64 : EM_386;
}

const reg = (c: X86CpuRegisters, i: number): bigint => c.regs[i] ?? 0n;
const seg = (c: X86CpuRegisters, i: number): X86Segment => c.segs[i]!;

function prstatus64(c: X86CpuRegisters, pid: number): Buffer {
  const d = Buffer.alloc(336);
  d.writeUInt32LE(pid, 32);
  const values = [
    reg(c, 15),
    reg(c, 14),
    reg(c, 13),
    reg(c, 12),
    reg(c, RBP),
    reg(c, RBX),
    reg(c, 11),
    reg(c, 10),
    reg(c, 9),
    reg(c, 8),
    reg(c, RAX),
    reg(c, RCX),
    reg(c, RDX),
    reg(c, RSI),
    reg(c, RDI),
    0n,
    c.eip,
    BigInt(seg(c, CS).selector),
    c.eflags,
    reg(c, RSP),
    BigInt(seg(c, SS).selector),
    seg(c, FS).base,
    seg(c, GS).base,
    BigInt(seg(c, DS).selector),
    BigInt(seg(c, ES).selector),
    BigInt(seg(c, FS).selector),
    BigInt(seg(c, GS).selector),
  ];
  values.forEach((v, i) => d.writeBigUInt64LE(BigInt.asUintN(64, v), 112 + 8 * i));
  return d;
}

function prstatus32(c: X86CpuRegisters, pid: number): Buffer {
  const d = Buffer.alloc(144);
  d.writeUInt32LE(pid, 24);
  const r = 72;
  const low = (v: bigint) => Number(BigInt.asUintN(32, v));
  [RBX, RCX, RDX, RSI, RDI, RBP, RAX].forEach((i, k) => d.writeUInt32LE(low(reg(c, i)), r + 4 * k));
  [DS, ES, FS, GS].forEach((s, k) => d.writeUInt16LE(seg(c, s).selector & 0xffff, r + 28 + 4 * k));
  d.writeUInt32LE(low(c.eip), r + 48);
  d.writeUInt16LE(seg(c, CS).selector & 0xffff, r + 52);
  d.writeUInt32LE(low(c.eflags), r + 56);
  d.writeUInt32LE(low(reg(c, RSP)), r + 60);
  d.writeUInt16LE(seg(c, SS).selector & 0xffff, r + 64);
  return d;
}

function qemuCpuState(c: X86CpuRegisters): Buffer {
  const d = Buffer.alloc(440);
  d.writeUInt32LE(1, 0); // QEMUCPUSTATE_VERSION
  d.writeUInt32LE(440, 4);
  const gprs = [RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP, 8, 9, 10, 11, 12, 13, 14, 15].map((i) => reg(c, i));
  [...gprs, c.eip, c.eflags].forEach((v, i) => d.writeBigUInt64LE(BigInt.asUintN(64, v), 8 + 8 * i));
  const segments = [seg(c, CS), seg(c, DS), seg(c, ES), seg(c, FS), seg(c, GS), seg(c, SS), c.ldt, c.tr, c.gdt, c.idt];
  segments.forEach((s, i) => {
    const at = 152 + 24 * i;
    d.writeUInt32LE(s.selector >>> 0, at);
    d.writeUInt32LE(s.limit >>> 0, at + 4);
    d.writeUInt32LE(s.flags >>> 0, at + 8);
    d.writeBigUInt64LE(BigInt.asUintN(64, s.base), at + 16);
  });
  // cr[1] is never set by QEMU: zero.
  [c.cr0, 0n, c.cr2, c.cr3, c.cr4, c.kernelgsbase].forEach((v, i) => d.writeBigUInt64LE(BigInt.asUintN(64, v), 392 + 8 * i));
  return d;
}

/** The PT_NOTE contents for these vCPUs (index order). */
export function x86Notes(cpus: readonly X86CpuRegisters[]): Buffer {
  const long = x86LongMode(cpus);
  const core = cpus.map((c, i) => elfNote("CORE", NT_PRSTATUS, long ? prstatus64(c, i + 1) : prstatus32(c, i + 1)));
  const qemu = cpus.map((c) => elfNote("QEMU", 0, qemuCpuState(c)));
  return Buffer.concat([...core, ...qemu]);
}
