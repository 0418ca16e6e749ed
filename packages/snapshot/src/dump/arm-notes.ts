/**
 * aarch64 vCPU notes of QEMU 7.2's dump (target/arm/arch_dump.c), built
 * from the migrated "cpu" section: per vCPU, in CPU index order, a CORE
 * NT_PRSTATUS (392 bytes: pr_pid = CPU index + 1 at 32, x0-x30, sp, pc,
 * pstate at 112, pr_fpvalid = 1 at 384) followed by a CORE NT_PRFPREG
 * (528 bytes: v0-v31 as low/high halves, fpsr, fpcr, 8 bytes of padding).
 *
 * The stream's `cpsr` field holds pstate_read() for a vCPU in AArch64
 * state, which is what the note carries; its `fpscr` is FPSR | FPCR, split
 * back with QEMU 7.2's masks (FPSR_MASK 0xf800009f, FPCR_MASK 0x07ff9f00).
 * A vCPU in AArch32 state (QEMU then copies the 32-bit registers into
 * x0-x30 first and writes sp 0) is refused. Only little-endian notes (EL1
 * not big-endian) are written.
 */
import { elfNote } from "./elf-core.js";

export interface ArmCpuRegisters {
  /** x0-x31 (x31 = the current SP). */
  readonly xregs: readonly bigint[];
  readonly pc: bigint;
  /** PSTATE as the stream's `cpsr` field carries it. */
  readonly pstate: number;
  /** Q0-Q31 as [low, high] 64-bit halves. */
  readonly qregs: readonly (readonly [bigint, bigint])[];
  readonly fpscr: number;
}

const NT_PRSTATUS = 1;
const NT_PRFPREG = 2;
const FPSR_MASK = 0xf800009f;
const FPCR_MASK = 0x07ff9f00;
/** PSTATE.nRW: set for AArch32 state. */
const PSTATE_NRW = 1 << 4;

export class ArmStateError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "ArmStateError";
  }
}

function prstatus(c: ArmCpuRegisters, pid: number): Buffer {
  const d = Buffer.alloc(392);
  d.writeUInt32LE(pid, 32);
  for (let i = 0; i < 31; i++) d.writeBigUInt64LE(BigInt.asUintN(64, c.xregs[i] ?? 0n), 112 + 8 * i);
  d.writeBigUInt64LE(BigInt.asUintN(64, c.xregs[31] ?? 0n), 112 + 248);
  d.writeBigUInt64LE(BigInt.asUintN(64, c.pc), 112 + 256);
  d.writeBigUInt64LE(BigInt(c.pstate >>> 0), 112 + 264);
  d.writeUInt32LE(1, 384); // pr_fpvalid
  return d;
}

function fpregs(c: ArmCpuRegisters): Buffer {
  const d = Buffer.alloc(528);
  c.qregs.forEach(([lo, hi], i) => {
    d.writeBigUInt64LE(BigInt.asUintN(64, lo), 16 * i);
    d.writeBigUInt64LE(BigInt.asUintN(64, hi), 16 * i + 8);
  });
  d.writeUInt32LE((c.fpscr & FPSR_MASK) >>> 0, 512);
  d.writeUInt32LE((c.fpscr & FPCR_MASK) >>> 0, 516);
  return d;
}

/** The PT_NOTE contents for these vCPUs (index order). */
export function armNotes(cpus: readonly ArmCpuRegisters[]): Buffer {
  return Buffer.concat(
    cpus.flatMap((c, i) => {
      if (c.pstate & PSTATE_NRW) throw new ArmStateError(`vCPU ${i} is in AArch32 state: its dump notes are not reproduced`);
      return [elfNote("CORE", NT_PRSTATUS, prstatus(c, i + 1)), elfNote("CORE", NT_PRFPREG, fpregs(c))];
    }),
  );
}
