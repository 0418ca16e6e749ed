/**
 * Subsections of the x86 CPU state ("cpu", version 12) as QEMU 7.2 sends
 * them (target/i386/machine.c), in QEMU's order, which is the order they
 * are written in. Every one is version 1. Each is present in a state
 * exactly when it was (or is to be) sent.
 *
 * QEMU decides with a `needed` test. Where that test only looks at
 * migrated values the description carries it (so `neededMismatches`
 * reports a subsection holding a value QEMU would not have sent, or a
 * value that is missing). Where QEMU also looks at things that are not
 * migrated (the CPU model's feature words, CPU properties, the
 * accelerator, the machine type) there is no test: the state records
 * what the source decided. Those are noted on each subsection.
 *
 * Differences from the QEMU source of other eras: 7.2 has no
 * "cpu/xen_vcpu" (added in 8.0) and no "cpu/msr_hyperv_syndbg" or
 * "cpu/msr_hwcr" (later); the x86_64 build has no "cpu/efer32" (32-bit
 * targets only). "cpu/nested_state" is only ever sent by KVM.
 */
import { array, i64, named, struct, subsection, u16, u32, u64, u8, u8Array, vmsd, type SubsectionNeeded, type VmStateObject } from "@qber/vmstate";
import type { TObject, TOptional, TSchema } from "typebox";
import { bndRegDescription, hi16ZmmRegDescription, kvmNestedStateDescription, lbrRecordDescription, zmmhRegDescription } from "./x86-cpu-structs.js";

/** hflags bit: the vCPU runs a nested (SVM) guest. */
export const HF_GUEST_MASK = 1 << 21;
/** hflags2 bit: nested paging is on for the nested guest. */
export const HF2_NPT_MASK = 1 << 6;
/** MSR_IA32_MISC_ENABLE after reset (fast strings). */
export const MSR_IA32_MISC_ENABLE_DEFAULT = 1n;
/** ARCH_LBR_NR_ENTRIES: records in an arch-LBR stack. */
export const ARCH_LBR_NR_ENTRIES = 32;
/** MAX_FIXED_COUNTERS / MAX_GP_COUNTERS of QEMU's PMU model. */
export const MAX_FIXED_COUNTERS = 3;
export const MAX_GP_COUNTERS = 18;

type Obj = VmStateObject;
const sub = (s: Obj, key: string): Obj | undefined => s[key] as Obj | undefined;
const nonZero = (v: unknown): boolean => (typeof v === "bigint" ? v !== 0n : typeof v === "number" ? v !== 0 : false);
/** `needed` for a subsection whose own values decide: present and any listed value non-zero. */
const anyNonZero =
  (key: string): SubsectionNeeded =>
  (s) => {
    const o = sub(s, key);
    if (o === undefined) return false;
    return Object.values(o).some((v) => (Array.isArray(v) ? v.some(nonZero) : nonZero(v)));
  };

/** A version-1 subsection of "cpu" holding the given fields. */
function cpuSub<P extends Record<string, TSchema>>(name: string, fields: P, needed?: SubsectionNeeded): TOptional<TObject<P>> {
  return subsection(vmsd({ name: `cpu/${name}`, version: 1 }, fields), needed === undefined ? {} : { needed });
}

export const x86CpuSubsections = {
  /** Pending vs injected exception, sent only while a nested guest has an exception pending. */
  exception_info: cpuSub(
    "exception_info",
    {
      exception_pending: named("env.exception_pending", u8()),
      exception_injected: named("env.exception_injected", u8()),
      exception_has_payload: named("env.exception_has_payload", u8()),
      exception_payload: named("env.exception_payload", u64()),
    },
    (s) =>
      sub(s, "exception_info") !== undefined && nonZero(sub(s, "exception_info")?.["exception_pending"]) && ((s["hflags"] as number) & HF_GUEST_MASK) !== 0,
  ),
  /** KVM async page fault MSR. */
  async_pf_msr: cpuSub("async_pf_msr", { async_pf_en_msr: named("env.async_pf_en_msr", u64()) }, anyNonZero("async_pf_msr")),
  /** KVM async page fault interrupt MSR. */
  async_pf_int_msr: cpuSub("async_pf_int_msr", { async_pf_int_msr: named("env.async_pf_int_msr", u64()) }, anyNonZero("async_pf_int_msr")),
  /** KVM paravirtual EOI MSR (QEMU's name for the subsection says "async_pv_eoi"). */
  async_pv_eoi_msr: cpuSub("async_pv_eoi_msr", { pv_eoi_en_msr: named("env.pv_eoi_en_msr", u64()) }, anyNonZero("async_pv_eoi_msr")),
  /** KVM steal-time MSR. */
  steal_time_msr: cpuSub("steal_time_msr", { steal_time_msr: named("env.steal_time_msr", u64()) }, anyNonZero("steal_time_msr")),
  /**
   * KVM poll-control MSR; sent when it is not 1 (KVM's reset value). Under
   * TCG nothing sets it, so a TCG CPU always sends 0.
   */
  poll_control_msr: cpuSub("poll_control_msr", { poll_control_msr: named("env.poll_control_msr", u64()) }, (s) => {
    const o = sub(s, "poll_control_msr");
    return o !== undefined && o["poll_control_msr"] !== 1n;
  }),
  /** Last x87 opcode, instruction pointer and data pointer. */
  fpop_ip_dp: cpuSub(
    "fpop_ip_dp",
    {
      fpop: named("env.fpop", u16()),
      fpip: named("env.fpip", u64()),
      fpdp: named("env.fpdp", u64()),
    },
    anyNonZero("fpop_ip_dp"),
  ),
  /** IA32_TSC_ADJUST. */
  msr_tsc_adjust: cpuSub("msr_tsc_adjust", { tsc_adjust: named("env.tsc_adjust", u64()) }, anyNonZero("msr_tsc_adjust")),
  /** IA32_TSC_DEADLINE. */
  msr_tscdeadline: cpuSub("msr_tscdeadline", { tsc_deadline: named("env.tsc_deadline", u64()) }, anyNonZero("msr_tscdeadline")),
  /** IA32_MISC_ENABLE, sent when it differs from its reset value 1. */
  msr_ia32_misc_enable: cpuSub("msr_ia32_misc_enable", { msr_ia32_misc_enable: named("env.msr_ia32_misc_enable", u64()) }, (s) => {
    const o = sub(s, "msr_ia32_misc_enable");
    return o !== undefined && o["msr_ia32_misc_enable"] !== MSR_IA32_MISC_ENABLE_DEFAULT;
  }),
  /** IA32_FEATURE_CONTROL. */
  msr_ia32_feature_control: cpuSub(
    "msr_ia32_feature_control",
    { msr_ia32_feature_control: named("env.msr_ia32_feature_control", u64()) },
    anyNonZero("msr_ia32_feature_control"),
  ),
  /** Architectural PMU: global control/status, fixed and general-purpose counters and event selectors. */
  msr_architectural_pmu: cpuSub(
    "msr_architectural_pmu",
    {
      msr_fixed_ctr_ctrl: named("env.msr_fixed_ctr_ctrl", u64()),
      msr_global_ctrl: named("env.msr_global_ctrl", u64()),
      msr_global_status: named("env.msr_global_status", u64()),
      msr_global_ovf_ctrl: named("env.msr_global_ovf_ctrl", u64()),
      msr_fixed_counters: named("env.msr_fixed_counters", array(u64(), MAX_FIXED_COUNTERS)),
      msr_gp_counters: named("env.msr_gp_counters", array(u64(), MAX_GP_COUNTERS)),
      msr_gp_evtsel: named("env.msr_gp_evtsel", array(u64(), MAX_GP_COUNTERS)),
    },
    anyNonZero("msr_architectural_pmu"),
  ),
  /** MPX: four bound registers, BNDCFGU, BNDSTATUS and IA32_BNDCFGS. */
  mpx: cpuSub(
    "mpx",
    {
      bnd_regs: named("env.bnd_regs", array(struct(bndRegDescription), 4)),
      bndcs_cfgu: named("env.bndcs_regs.cfgu", u64()),
      bndcs_sts: named("env.bndcs_regs.sts", u64()),
      msr_bndcfgs: named("env.msr_bndcfgs", u64()),
    },
    (s) => {
      const o = sub(s, "mpx");
      if (o === undefined) return false;
      const regs = o["bnd_regs"] as readonly { lb: bigint; ub: bigint }[];
      return regs.some((r) => r.lb !== 0n || r.ub !== 0n) || nonZero(o["bndcs_cfgu"]) || nonZero(o["bndcs_sts"]) || nonZero(o["msr_bndcfgs"]);
    },
  ),
  /** Hyper-V guest OS id and hypercall page MSRs. */
  msr_hyperv_hypercall: cpuSub(
    "msr_hyperv_hypercall",
    {
      msr_hv_guest_os_id: named("env.msr_hv_guest_os_id", u64()),
      msr_hv_hypercall: named("env.msr_hv_hypercall", u64()),
    },
    anyNonZero("msr_hyperv_hypercall"),
  ),
  /** Hyper-V virtual APIC assist page MSR. */
  msr_hyperv_vapic: cpuSub("msr_hyperv_vapic", { msr_hv_vapic: named("env.msr_hv_vapic", u64()) }, anyNonZero("msr_hyperv_vapic")),
  /** Hyper-V reference TSC page MSR. */
  msr_hyperv_time: cpuSub("msr_hyperv_time", { msr_hv_tsc: named("env.msr_hv_tsc", u64()) }, anyNonZero("msr_hyperv_time")),
  /** Hyper-V crash parameters P0..P4. */
  msr_hyperv_crash: cpuSub("msr_hyperv_crash", { msr_hv_crash_params: named("env.msr_hv_crash_params", array(u64(), 5)) }, anyNonZero("msr_hyperv_crash")),
  /** Hyper-V VP runtime; QEMU also requires the hv-runtime enlightenment (not migrated): no test. */
  msr_hyperv_runtime: cpuSub("msr_hyperv_runtime", { msr_hv_runtime: named("env.msr_hv_runtime", u64()) }),
  /** Hyper-V SynIC control, event and message pages, and the 16 SINT registers. */
  msr_hyperv_synic: cpuSub(
    "msr_hyperv_synic",
    {
      msr_hv_synic_control: named("env.msr_hv_synic_control", u64()),
      msr_hv_synic_evt_page: named("env.msr_hv_synic_evt_page", u64()),
      msr_hv_synic_msg_page: named("env.msr_hv_synic_msg_page", u64()),
      msr_hv_synic_sint: named("env.msr_hv_synic_sint", array(u64(), 16)),
    },
    anyNonZero("msr_hyperv_synic"),
  ),
  /** Hyper-V synthetic timers: four config and four count MSRs. */
  msr_hyperv_stimer: cpuSub(
    "msr_hyperv_stimer",
    {
      msr_hv_stimer_config: named("env.msr_hv_stimer_config", array(u64(), 4)),
      msr_hv_stimer_count: named("env.msr_hv_stimer_count", array(u64(), 4)),
    },
    anyNonZero("msr_hyperv_stimer"),
  ),
  /** Hyper-V reenlightenment control and TSC emulation control/status. */
  msr_hyperv_reenlightenment: cpuSub(
    "msr_hyperv_reenlightenment",
    {
      msr_hv_reenlightenment_control: named("env.msr_hv_reenlightenment_control", u64()),
      msr_hv_tsc_emulation_control: named("env.msr_hv_tsc_emulation_control", u64()),
      msr_hv_tsc_emulation_status: named("env.msr_hv_tsc_emulation_status", u64()),
    },
    anyNonZero("msr_hyperv_reenlightenment"),
  ),
  /** AVX-512: opmask registers k0-k7, bits 256..511 of ZMM0-15, all of ZMM16-31. */
  avx512: cpuSub(
    "avx512",
    {
      opmask_regs: named("env.opmask_regs", array(u64(), 8)),
      zmmh_regs: named("env.xmm_regs", array(struct(zmmhRegDescription), 16)),
      hi16_zmm_regs: named("env.xmm_regs", array(struct(hi16ZmmRegDescription), 16)),
    },
    (s) => {
      const o = sub(s, "avx512");
      if (o === undefined) return false;
      const regs = [...(o["zmmh_regs"] as readonly Obj[]), ...(o["hi16_zmm_regs"] as readonly Obj[])];
      return (o["opmask_regs"] as readonly bigint[]).some(nonZero) || regs.some((r) => Object.values(r).some(nonZero));
    },
  ),
  /** IA32_XSS. */
  xss: cpuSub("xss", { xss: named("env.xss", u64()) }, anyNonZero("xss")),
  /** UMWAIT control MSR. */
  umwait: cpuSub("umwait", { umwait: named("env.umwait", u32()) }, anyNonZero("umwait")),
  /** Guest TSC frequency in kHz; QEMU also requires a machine type that saves it (all 7.2 ones do). */
  tsc_khz: cpuSub("tsc_khz", { tsc_khz: named("env.tsc_khz", i64({ minimum: 0n, description: "kHz" })) }, anyNonZero("tsc_khz")),
  /** SMIs taken; QEMU also requires the CPU's migrate-smi-count property (on for 7.2 machine types): no test. */
  msr_smi_count: cpuSub("msr_smi_count", { msr_smi_count: named("env.msr_smi_count", u64()) }),
  /** Protection keys for user pages (PKRU). */
  pkru: cpuSub("pkru", { pkru: named("env.pkru", u32()) }, anyNonZero("pkru")),
  /** Protection keys for supervisor pages (IA32_PKRS). */
  pkrs: cpuSub("pkrs", { pkrs: named("env.pkrs", u32()) }, anyNonZero("pkrs")),
  /** IA32_SPEC_CTRL. */
  spec_ctrl: cpuSub("spec_ctrl", { spec_ctrl: named("env.spec_ctrl", u64()) }, anyNonZero("spec_ctrl")),
  /** AMD TSC ratio MSR; sent whenever the CPU model has SVM TSC scaling (not migrated): no test. */
  amd_tsc_scale_msr: cpuSub("amd_tsc_scale_msr", { amd_tsc_scale_msr: named("env.amd_tsc_scale_msr", u64()) }),
  /** IA32_MCG_EXT_CTL; QEMU also requires the lmce property (not migrated): no test. */
  mcg_ext_ctl: cpuSub("mcg_ext_ctl", { mcg_ext_ctl: named("env.mcg_ext_ctl", u64()) }),
  /** Intel Processor Trace MSRs (QEMU's subsection is "cpu/intel_pt"). */
  intel_pt: cpuSub(
    "intel_pt",
    {
      msr_rtit_ctrl: named("env.msr_rtit_ctrl", u64()),
      msr_rtit_status: named("env.msr_rtit_status", u64()),
      msr_rtit_output_base: named("env.msr_rtit_output_base", u64()),
      msr_rtit_output_mask: named("env.msr_rtit_output_mask", u64()),
      msr_rtit_cr3_match: named("env.msr_rtit_cr3_match", u64()),
      msr_rtit_addrs: named("env.msr_rtit_addrs", array(u64(), 8)),
    },
    anyNonZero("intel_pt"),
  ),
  /** AMD VIRT_SPEC_CTRL (virtual SSBD). */
  virt_ssbd: cpuSub("virt_ssbd", { virt_ssbd: named("env.virt_ssbd", u64()) }, anyNonZero("virt_ssbd")),
  /**
   * Nested paging state of an SVM guest (TCG). QEMU spells the subsection
   * "cpu/svn_npt"; sent while hflags2 has the NPT bit.
   */
  svn_npt: cpuSub(
    "svn_npt",
    {
      nested_cr3: named("env.nested_cr3", u64()),
      nested_pg_mode: named("env.nested_pg_mode", u32()),
    },
    (s) => ((s["hflags2"] as number) & HF2_NPT_MASK) !== 0,
  ),
  /** SVM virtual interrupt control of a nested guest; TCG only. */
  svm_guest: cpuSub("svm_guest", { int_ctl: named("env.int_ctl", u32()) }, anyNonZero("svm_guest")),
  /** KVM's nested virtualization state (VMX or SVM blob); KVM only. */
  nested_state: cpuSub("nested_state", {
    nested_state: named("env.nested_state", struct(kvmNestedStateDescription, { pointer: true })),
  }),
  /** IA32_TSX_CTRL; sent whenever the CPU model reports the TSX_CTRL capability (not migrated): no test. */
  msr_tsx_ctrl: cpuSub("msr_tsx_ctrl", { tsx_ctrl: named("env.tsx_ctrl", u32()) }),
  /** SGX launch-enclave public key hash MSRs; sent whenever the CPU model has SGX_LC: no test. */
  intel_sgx: cpuSub("intel_sgx", { msr_ia32_sgxlepubkeyhash: named("env.msr_ia32_sgxlepubkeyhash", array(u64(), 4)) }),
  /** PAE page-directory pointers as loaded; sent while QEMU holds them valid (not migrated): no test. */
  pdptrs: cpuSub("pdptrs", { pdptrs: named("env.pdptrs", array(u64(), 4)) }),
  /** IA32_XFD and IA32_XFD_ERR; sent whenever the CPU model has XFD: no test. */
  msr_xfd: cpuSub("msr_xfd", {
    msr_xfd: named("env.msr_xfd", u64()),
    msr_xfd_err: named("env.msr_xfd_err", u64()),
  }),
  /** AMX tile configuration (64 bytes) and tile data (8 KiB); sent whenever the CPU model has AMX-TILE: no test. */
  intel_amx_xtile: cpuSub("intel_amx_xtile", {
    xtilecfg: named("env.xtilecfg", u8Array(64)),
    xtiledata: named("env.xtiledata", u8Array(8192)),
  }),
  /** Architectural LBR control, depth and the 32 records; sent whenever the CPU model has arch-LBR: no test. */
  arch_lbr: cpuSub("arch_lbr", {
    msr_lbr_ctl: named("env.msr_lbr_ctl", u64()),
    msr_lbr_depth: named("env.msr_lbr_depth", u64({ maximum: BigInt(ARCH_LBR_NR_ENTRIES), description: "records in use; at most the stack size" })),
    lbr_records: named("env.lbr_records", array(struct(lbrRecordDescription), ARCH_LBR_NR_ENTRIES)),
  }),
  /** A triple fault KVM reported but QEMU has not handled yet. */
  triple_fault: cpuSub("triple_fault", { triple_fault_pending: named("env.triple_fault_pending", u8({ maximum: 1 })) }, anyNonZero("triple_fault")),
};

/** The subsection keys of "cpu" in QEMU 7.2's order. */
export const X86_CPU_SUBSECTIONS = Object.keys(x86CpuSubsections) as readonly (keyof typeof x86CpuSubsections)[];
