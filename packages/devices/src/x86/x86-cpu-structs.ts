/**
 * Nested vmsds the x86 CPU state ("cpu", version 12) is built from, as QEMU
 * 7.2 declares them in target/i386/machine.c: segment descriptors, the
 * 128-bit slices of the vector registers, x87 registers (saved through a
 * temporary 80-bit view), MTRR pairs, MPX bound registers, architectural
 * LBR records and KVM's nested-virtualization blob.
 *
 * Field names are QEMU's declared names (they appear in vmdesc); the keys
 * of `ZMM_Q(n)` quadwords are `q0`..`q7`, QEMU's names being
 * `_q_ZMMReg[n]` on little-endian hosts.
 */
import { named, subsection, tmp, u16, u32, u64, u8Array, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

/** A segment register cache: selector, base, limit and the descriptor flags word (vmsd "segment", v1). */
export const segmentDescription = vmsd(
  { name: "segment", version: 1, description: "segment register cache" },
  {
    selector: u32(),
    base: u64(),
    limit: u32(),
    flags: u32({ description: "descriptor attribute bits (type, S, DPL, P, AVL, L, D/B, G) as in the high descriptor word" }),
  },
);
export type SegmentState = Static<typeof segmentDescription>;

const q = (n: number) => named(`_q_ZMMReg[${n}]`, u64());

/** Bits 0..127 of a vector register (vmsd "xmm_reg", v1): quadwords 0 and 1. */
export const xmmRegDescription = vmsd({ name: "xmm_reg", version: 1 }, { q0: q(0), q1: q(1) });
/** Bits 128..255 of a vector register (vmsd "ymmh_reg", v1): quadwords 2 and 3. */
export const ymmhRegDescription = vmsd({ name: "ymmh_reg", version: 1 }, { q2: q(2), q3: q(3) });
/** Bits 256..511 of ZMM0-15 (vmsd "zmmh_reg", v1): quadwords 4..7. */
export const zmmhRegDescription = vmsd({ name: "zmmh_reg", version: 1 }, { q4: q(4), q5: q(5), q6: q(6), q7: q(7) });
/** All 512 bits of ZMM16-31 (vmsd "hi16_zmm_reg", v1): quadwords 0..7. */
export const hi16ZmmRegDescription = vmsd(
  { name: "hi16_zmm_reg", version: 1 },
  {
    q0: q(0),
    q1: q(1),
    q2: q(2),
    q3: q(3),
    q4: q(4),
    q5: q(5),
    q6: q(6),
    q7: q(7),
  },
);

/**
 * One x87 register. QEMU sends the 80-bit value through a temporary
 * struct (vmsd "fpreg_tmp", no version): the 64-bit significand (the MMX
 * register when MMX is in use) then the sign+exponent word.
 */
export const fpregTmpDescription = vmsd(
  { name: "fpreg_tmp", version: 0 },
  {
    tmp_mant: u64({ description: "significand (bits 0..63 of the 80-bit register)" }),
    tmp_exp: u16({ description: "sign bit and 15-bit exponent (bits 64..79)" }),
  },
);
/** vmsd "fpreg" (no version): only the temporary view above. */
export const fpregDescription = vmsd({ name: "fpreg", version: 0 }, { tmp: tmp(fpregTmpDescription) });

/** A variable-range MTRR pair (vmsd "mtrr_var", v1). */
export const mtrrVarDescription = vmsd({ name: "mtrr_var", version: 1 }, { base: u64(), mask: u64() });

/** An MPX bound register (vmsd "bnd_regs", v1): lower and upper bound. */
export const bndRegDescription = vmsd({ name: "bnd_regs", version: 1 }, { lb: u64(), ub: u64() });

/** An architectural LBR record (vmsd "lbr_records_var", v1): from, to, info MSRs. */
export const lbrRecordDescription = vmsd({ name: "lbr_records_var", version: 1 }, { from: u64(), to: u64(), info: u64() });

/** Size of KVM's nested-state header (flags, format, size, 120-byte header union). */
export const KVM_NESTED_STATE_HEADER = 128;
/** KVM_STATE_NESTED_VMX_VMCS_SIZE and KVM_STATE_NESTED_SVM_VMCB_SIZE. */
export const KVM_NESTED_BLOB = 0x1000;

/** VMX data in KVM's nested state (subsection "cpu/kvm_nested_state/vmx", v1). */
export const kvmNestedVmxDescription = vmsd(
  { name: "cpu/kvm_nested_state/vmx", version: 1 },
  {
    vmxon_pa: named("hdr.vmx.vmxon_pa", u64()),
    vmcs12_pa: named("hdr.vmx.vmcs12_pa", u64()),
    smm_flags: named("hdr.vmx.smm.flags", u16()),
    // Sent when the blob's size reaches past the start of each 4 KiB area; the size lives one level up.
    vmcs12: subsection(
      vmsd(
        { name: "cpu/kvm_nested_state/vmx/vmcs12", version: 1 },
        {
          vmcs12: named("data.vmx[0].vmcs12", u8Array(KVM_NESTED_BLOB)),
        },
      ),
    ),
    shadow_vmcs12: subsection(
      vmsd(
        { name: "cpu/kvm_nested_state/vmx/shadow_vmcs12", version: 1 },
        {
          shadow_vmcs12: named("data.vmx[0].shadow_vmcs12", u8Array(KVM_NESTED_BLOB)),
        },
      ),
    ),
  },
);

/** SVM data in KVM's nested state (subsection "cpu/kvm_nested_state/svm", v1). */
export const kvmNestedSvmDescription = vmsd(
  { name: "cpu/kvm_nested_state/svm", version: 1 },
  {
    vmcb_pa: named("hdr.svm.vmcb_pa", u64()),
    vmcb12: named("data.svm[0].vmcb12", u8Array(KVM_NESTED_BLOB)),
  },
);

/**
 * KVM's `struct kvm_nested_state` (vmsd "cpu/kvm_nested_state", v1). QEMU
 * checks after loading that `size` lies between the header size and what
 * the host kernel accepts, and that `format` is VMX (0) or SVM (1); the
 * bounds here are the largest blob QEMU itself can send.
 */
export const kvmNestedStateDescription = vmsd(
  { name: "cpu/kvm_nested_state", version: 1 },
  {
    flags: u16({ description: "KVM_STATE_NESTED_* flags (guest mode, run pending, event pending)" }),
    format: u16({ maximum: 1, description: "0 = VMX, 1 = SVM" }),
    size: u32({
      minimum: KVM_NESTED_STATE_HEADER,
      maximum: KVM_NESTED_STATE_HEADER + 2 * KVM_NESTED_BLOB,
      description: "bytes of kvm_nested_state, header included",
    }),
    vmx: subsection(kvmNestedVmxDescription, {
      // QEMU sends it for the VMX format unless VMXON is off (vmxon_pa all ones); that address is inside it.
      needed: (s) => s["format"] === 0 && s["vmx"] !== undefined && (s["vmx"] as { vmxon_pa: bigint }).vmxon_pa !== 0xffff_ffff_ffff_ffffn,
    }),
    svm: subsection(kvmNestedSvmDescription, {
      needed: (s) => s["format"] === 1 && typeof s["size"] === "number" && s["size"] > KVM_NESTED_STATE_HEADER,
    }),
  },
);
