/**
 * The x86 CPU architectural state as QEMU 7.2 migrates it: vmsd "cpu",
 * version 12 (loads 11..12), from target/i386/machine.c, for the x86_64
 * build (16 general registers, `target_ulong` fields are 64-bit, and the
 * long-mode MSRs are present). One section per vCPU, instance id = CPU
 * index; the generic part (halted, pending interrupts) is the separate
 * "cpu_common" section.
 *
 * Layout: general registers, RIP, RFLAGS, QEMU's hidden flags, the x87
 * state (control word, status word with TOP folded into bits 11..13, an
 * "is valid" tag byte, a format word that must be 0, eight 80-bit
 * registers), the six segment registers then LDTR, TR, GDTR, IDTR,
 * SYSENTER MSRs, CR0/2/3/4, DR0-7, the A20 mask, MXCSR and XMM0-15, the
 * long-mode MSRs, SMBASE, PAT, hflags2, SVM host-save/VMCB addresses and
 * intercepts, the virtual TPR, MTRRs, KVM event state (injected interrupt,
 * MP state, TSC, exception, NMI flags, SIPI vector), machine-check state
 * (capabilities, status, control and 10 banks of 4 MSRs), TSC_AUX, KVM
 * clock MSRs, and from version 12 XCR0, XSTATE_BV and the upper halves of
 * YMM0-15. Everything else travels in subsections (x86-cpu-subsections.ts).
 *
 * Bounds: `fpregs_format_vmstate` must be 0 (QEMU refuses anything else);
 * the machine-check bank count in the low byte of `mcg_cap` indexes
 * `mce_banks`, a fixed array of 10 banks, which a maximum cannot express:
 * `x86CpuProblems` checks it.
 */
import { array, definePlugin, i32, named, since, struct, u16, u32, u64, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { fpregDescription, mtrrVarDescription, segmentDescription, xmmRegDescription, ymmhRegDescription, type SegmentState } from "./x86-cpu-structs.js";
import { x86CpuSubsections } from "./x86-cpu-subsections.js";

/** CPU_NB_REGS on x86_64. */
export const CPU_NB_REGS = 16;
/** MCE_BANKS_DEF: machine-check banks QEMU models (4 MSRs each). */
export const MCE_BANKS_DEF = 10;
/** MSR_MTRRcap_VCNT: variable-range MTRR pairs. */
export const MTRR_VCNT = 8;

/** Segment register order of `segs`: ES, CS, SS, DS, FS, GS. */
export const R_ES = 0,
  R_CS = 1,
  R_SS = 2,
  R_DS = 3,
  R_FS = 4,
  R_GS = 5;

const seg = (name: string) => named(name, struct(segmentDescription));

export const x86CpuDescription = vmsd(
  { name: "cpu", version: 12, minVersion: 11, description: "x86 CPU (target/i386/machine.c)" },
  {
    regs: named("env.regs", array(u64(), CPU_NB_REGS, { description: "RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15" })),
    eip: named("env.eip", u64()),
    eflags: named("env.eflags", u64()),
    hflags: named("env.hflags", u32({ description: "QEMU's hidden flags (CPL, mode bits); CPL is recomputed from SS on load" })),
    fpuc: named("env.fpuc", u16()),
    fpus_vmstate: named("env.fpus_vmstate", u16({ description: "x87 status word with TOP in bits 11..13" })),
    fptag_vmstate: named("env.fptag_vmstate", u16({ description: "bit i set = ST register i holds a value (abridged tag)" })),
    fpregs_format_vmstate: named("env.fpregs_format_vmstate", u16({ maximum: 0, description: "0 = softfloat 80-bit registers; QEMU refuses any other value" })),
    fpregs: named("env.fpregs", array(struct(fpregDescription), 8)),
    segs: named("env.segs", array(struct(segmentDescription), 6, { description: "ES, CS, SS, DS, FS, GS" })),
    ldt: seg("env.ldt"),
    tr: seg("env.tr"),
    gdt: seg("env.gdt"),
    idt: seg("env.idt"),
    sysenter_cs: named("env.sysenter_cs", u32()),
    sysenter_esp: named("env.sysenter_esp", u64()),
    sysenter_eip: named("env.sysenter_eip", u64()),
    cr0: named("env.cr[0]", u64()),
    cr2: named("env.cr[2]", u64()),
    cr3: named("env.cr[3]", u64()),
    cr4: named("env.cr[4]", u64()),
    dr: named("env.dr", array(u64(), 8)),
    a20_mask: named("env.a20_mask", i32({ description: "-1 with A20 enabled, bit 20 clear when disabled" })),
    mxcsr: named("env.mxcsr", u32()),
    xmm_regs: named("env.xmm_regs", array(struct(xmmRegDescription), CPU_NB_REGS)),
    efer: named("env.efer", u64()),
    star: named("env.star", u64()),
    lstar: named("env.lstar", u64()),
    cstar: named("env.cstar", u64()),
    fmask: named("env.fmask", u64()),
    kernelgsbase: named("env.kernelgsbase", u64()),
    smbase: named("env.smbase", u32()),
    pat: named("env.pat", u64()),
    hflags2: named("env.hflags2", u32()),
    vm_hsave: named("env.vm_hsave", u64()),
    vm_vmcb: named("env.vm_vmcb", u64()),
    tsc_offset: named("env.tsc_offset", u64()),
    intercept: named("env.intercept", u64()),
    intercept_cr_read: named("env.intercept_cr_read", u16()),
    intercept_cr_write: named("env.intercept_cr_write", u16()),
    intercept_dr_read: named("env.intercept_dr_read", u16()),
    intercept_dr_write: named("env.intercept_dr_write", u16()),
    intercept_exceptions: named("env.intercept_exceptions", u32()),
    v_tpr: named("env.v_tpr", u8()),
    mtrr_fixed: named("env.mtrr_fixed", array(u64(), 11)),
    mtrr_deftype: named("env.mtrr_deftype", u64()),
    mtrr_var: named("env.mtrr_var", array(struct(mtrrVarDescription), MTRR_VCNT)),
    interrupt_injected: named("env.interrupt_injected", i32({ minimum: -1, maximum: 255, description: "vector being injected, -1 for none" })),
    mp_state: named(
      "env.mp_state",
      u32({ maximum: 9, description: "KVM_MP_STATE_* (0 runnable, 1 uninitialized, 2 init-received, 3 halted, 4 SIPI-received, ...)" }),
    ),
    tsc: named("env.tsc", u64()),
    exception_nr: named("env.exception_nr", i32({ minimum: -1, maximum: 255, description: "exception vector, -1 for none" })),
    soft_interrupt: named("env.soft_interrupt", u8()),
    nmi_injected: named("env.nmi_injected", u8()),
    nmi_pending: named("env.nmi_pending", u8()),
    has_error_code: named("env.has_error_code", u8()),
    sipi_vector: named("env.sipi_vector", u32({ maximum: 255 })),
    mcg_cap: named("env.mcg_cap", u64({ description: "bits 0..7: bank count (at most 10, see x86CpuProblems)" })),
    mcg_status: named("env.mcg_status", u64()),
    mcg_ctl: named("env.mcg_ctl", u64()),
    mce_banks: named("env.mce_banks", array(u64(), MCE_BANKS_DEF * 4, { description: "per bank: CTL, STATUS, ADDR, MISC" })),
    tsc_aux: named("env.tsc_aux", u64()),
    system_time_msr: named("env.system_time_msr", u64()),
    wall_clock_msr: named("env.wall_clock_msr", u64()),
    xcr0: since(12, named("env.xcr0", u64())),
    xstate_bv: since(12, named("env.xstate_bv", u64())),
    ymmh_regs: since(12, named("env.xmm_regs", array(struct(ymmhRegDescription), CPU_NB_REGS))),
    ...x86CpuSubsections,
  },
);

export type X86CpuState = Static<typeof x86CpuDescription>;

export const x86CpuPlugin = definePlugin({ id: "@qber/devices:cpu", description: x86CpuDescription });

/**
 * Checks QEMU relies on that a per-field bound cannot express. Returns one
 * message per problem (none for a sound state).
 */
export function x86CpuProblems(state: X86CpuState): readonly string[] {
  const out: string[] = [];
  const banks = Number(state.mcg_cap & 0xffn);
  if (banks > MCE_BANKS_DEF) out.push(`cpu: field mcg_cap declares ${banks} machine-check banks, QEMU has storage for ${MCE_BANKS_DEF}`);
  return out;
}

// ------------------------------------------------------------ power-on state

const segment = (selector: number, base: bigint, limit: number, flags: number): SegmentState => ({ selector, base, limit, flags });
const zeros = (n: number): bigint[] => Array.from({ length: n }, () => 0n);

/** Descriptor flags QEMU gives every data segment at reset: present, writable, accessed. */
const DATA_SEG = 0x9300;
/** CS at reset: present, code, readable, accessed. */
const CODE_SEG = 0x9b00;

/**
 * The "cpu" state of a freshly reset QEMU 7.2 x86_64 vCPU (TCG, `-M pc`,
 * default CPU model qemu64): real mode at F000:FFF0 (CS base 0xffff0000),
 * EDX = 0x60fb1 (qemu64's family/model/stepping), CR0 = 0x60000010
 * (CD, NW, ET), SMBASE 0x30000, XCR0 = 1 (x87), x87 control
 * 0x37f with all registers empty, MXCSR 0x1f80, PAT 0x0007040600070406,
 * machine-check capabilities 0x100010a (MCG_CTL_P | MCG_SER_P, 10 banks)
 * with every bank control all ones, DR6/DR7 at their reset values.
 * The poll-control MSR subsection is present (0): TCG never sets the
 * KVM reset value 1. Matches pc-never-run.mig byte for byte.
 *
 * Every vCPU resets to the same "cpu" state under TCG (an application
 * processor's difference is in cpu_common, halted, and in its APIC);
 * checked against a `-smp 2` capture. KVM would give other values (e.g.
 * mp_state, the poll-control MSR).
 */
export function x86CpuDefaults(): X86CpuState {
  const regs = zeros(CPU_NB_REGS);
  regs[2] = 0x60fb1n; // EDX: CPUID family/model/stepping of qemu64 (family 15, model 107, stepping 1)
  const mceBanks = zeros(MCE_BANKS_DEF * 4);
  for (let b = 0; b < MCE_BANKS_DEF; b++) mceBanks[4 * b] = 0xffff_ffff_ffff_ffffn;
  return {
    regs,
    eip: 0xfff0n,
    eflags: 0x2n,
    hflags: 0x40, // HF_ADDSEG: real mode segments may have non-zero bases
    fpuc: 0x37f,
    fpus_vmstate: 0,
    fptag_vmstate: 0,
    fpregs_format_vmstate: 0,
    fpregs: Array.from({ length: 8 }, () => ({ tmp: { tmp_mant: 0n, tmp_exp: 0 } })),
    segs: [
      segment(0, 0n, 0xffff, DATA_SEG),
      segment(0xf000, 0xffff0000n, 0xffff, CODE_SEG),
      segment(0, 0n, 0xffff, DATA_SEG),
      segment(0, 0n, 0xffff, DATA_SEG),
      segment(0, 0n, 0xffff, DATA_SEG),
      segment(0, 0n, 0xffff, DATA_SEG),
    ],
    ldt: segment(0, 0n, 0xffff, 0x8200),
    tr: segment(0, 0n, 0xffff, 0x8b00),
    gdt: segment(0, 0n, 0xffff, 0),
    idt: segment(0, 0n, 0xffff, 0),
    sysenter_cs: 0,
    sysenter_esp: 0n,
    sysenter_eip: 0n,
    cr0: 0x60000010n,
    cr2: 0n,
    cr3: 0n,
    cr4: 0n,
    dr: [0n, 0n, 0n, 0n, 0n, 0n, 0xffff0ff0n, 0x400n],
    a20_mask: -1,
    mxcsr: 0x1f80,
    xmm_regs: Array.from({ length: CPU_NB_REGS }, () => ({ q0: 0n, q1: 0n })),
    efer: 0n,
    star: 0n,
    lstar: 0n,
    cstar: 0n,
    fmask: 0n,
    kernelgsbase: 0n,
    smbase: 0x30000,
    pat: 0x0007040600070406n,
    hflags2: 0x101, // GIF and virtual GIF set
    vm_hsave: 0n,
    vm_vmcb: 0n,
    tsc_offset: 0n,
    intercept: 0n,
    intercept_cr_read: 0,
    intercept_cr_write: 0,
    intercept_dr_read: 0,
    intercept_dr_write: 0,
    intercept_exceptions: 0,
    v_tpr: 0,
    mtrr_fixed: zeros(11),
    mtrr_deftype: 0n,
    mtrr_var: Array.from({ length: MTRR_VCNT }, () => ({ base: 0n, mask: 0n })),
    interrupt_injected: -1,
    mp_state: 0, // KVM's field: TCG leaves every vCPU "runnable"
    tsc: 0n,
    exception_nr: -1,
    soft_interrupt: 0,
    nmi_injected: 0,
    nmi_pending: 0,
    has_error_code: 0,
    sipi_vector: 0,
    mcg_cap: 0x100010an,
    mcg_status: 0n,
    mcg_ctl: 0xffff_ffff_ffff_ffffn,
    mce_banks: mceBanks,
    tsc_aux: 0n,
    system_time_msr: 0n,
    wall_clock_msr: 0n,
    xcr0: 1n,
    xstate_bv: 0n,
    ymmh_regs: Array.from({ length: CPU_NB_REGS }, () => ({ q2: 0n, q3: 0n })),
    poll_control_msr: { poll_control_msr: 0n },
  };
}
