/**
 * The "cpu" description beyond what the captures exercise: subsections
 * TCG captures never carry (AVX-512, KVM nested state, arch LBR), QEMU's
 * subsection order, a property round trip over arbitrary states, and the
 * bounds that keep hostile states out.
 */
import { createRegistry } from "@qber/core";
import { decodeLegacy, describeDevice, encodeLegacy, neededMismatches, validateState } from "@qber/vmstate";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbitraryState } from "@qber/test-support";
import { x86CpuDefaults, x86CpuDescription, x86CpuPlugin, x86CpuProblems, type X86CpuState } from "./x86-cpu.js";
import { X86_CPU_SUBSECTIONS } from "./x86-cpu-subsections.js";

const ascii = (s: string): string => Buffer.from(s, "latin1").toString("hex");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const zmm = (n: number, v: bigint): Record<string, bigint> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`q${i + 8 - n}`, v]));

describe("cpu subsections", () => {
  it("avx512: written after poll_control_msr as 05 + counted name + version 1; vmdesc names the two xmm_regs halves", () => {
    const state: X86CpuState = {
      ...x86CpuDefaults(),
      avx512: {
        opmask_regs: [1n, 0n, 0n, 0n, 0n, 0n, 0n, 0xffn],
        zmmh_regs: Array.from({ length: 16 }, (_, i) => zmm(4, BigInt(i))) as never,
        hi16_zmm_regs: Array.from({ length: 16 }, () => zmm(8, 0n)) as never,
      },
    };
    const bytes = encodeLegacy(x86CpuDescription, state);
    const poll = `05 14 ${ascii("cpu/poll_control_msr")} 00000001 0000000000000000`;
    const avx = `05 0a ${ascii("cpu/avx512")} 00000001 0000000000000001`;
    expect(hex(bytes)).toContain((poll + avx).replace(/ /g, ""));
    // header, then opmask (8 * 8), ZMM0-15 high halves (16 * 32), ZMM16-31 (16 * 64)
    expect(bytes.length).toBe(encodeLegacy(x86CpuDescription, x86CpuDefaults()).length + 2 + 10 + 4 + 64 + 16 * 32 + 16 * 64);
    const back = decodeLegacy(x86CpuDescription, bytes, { final: true });
    expect(back.value).toEqual(state);
    expect(back.length).toBe(bytes.length);

    const { vmdesc } = describeDevice(x86CpuDescription, state, { name: "cpu", instanceId: 0 });
    const avxDesc = vmdesc.subsections?.find((s) => s.vmsd_name === "cpu/avx512");
    expect(avxDesc?.fields.map((f) => [f.name, f.type, f.array_len, f.struct?.vmsd_name])).toEqual([
      ["env.opmask_regs", "uint64", 8, undefined],
      ["env.xmm_regs[0]", "struct", 16, "zmmh_reg"],
      ["env.xmm_regs[1]", "struct", 16, "hi16_zmm_reg"],
    ]);
    expect(avxDesc?.fields[1]?.struct?.fields.map((f) => f.name)).toEqual(["_q_ZMMReg[4]", "_q_ZMMReg[5]", "_q_ZMMReg[6]", "_q_ZMMReg[7]"]);
    expect(neededMismatches(x86CpuDescription, state)).toEqual([]);
  });

  it("nested_state: KVM's VMX blob with its vmcs12 subsection nested two levels down", () => {
    const vmcs12 = new Uint8Array(0x1000).fill(0xab);
    const state: X86CpuState = {
      ...x86CpuDefaults(),
      nested_state: {
        nested_state: {
          flags: 1,
          format: 0,
          size: 128 + 0x1000,
          vmx: { vmxon_pa: 0x1000n, vmcs12_pa: 0x2000n, smm_flags: 0, vmcs12: { vmcs12 } },
        },
      },
    };
    const bytes = encodeLegacy(x86CpuDescription, state);
    expect(hex(bytes)).toContain(`05${(24).toString(16)}${ascii("cpu/kvm_nested_state/vmx")}00000001`);
    expect(hex(bytes)).toContain(`05${(31).toString(16)}${ascii("cpu/kvm_nested_state/vmx/vmcs12")}00000001${"ab".repeat(16)}`);
    expect(decodeLegacy(x86CpuDescription, bytes, { final: true }).value).toEqual(state);
    const { vmdesc } = describeDevice(x86CpuDescription, state, { name: "cpu", instanceId: 0 });
    const nested = vmdesc.subsections?.find((s) => s.vmsd_name === "cpu/nested_state")?.fields[0];
    expect(nested?.name).toBe("env.nested_state");
    expect(nested?.struct?.subsections?.[0]?.vmsd_name).toBe("cpu/kvm_nested_state/vmx");
    expect(nested?.struct?.subsections?.[0]?.subsections?.[0]?.fields[0]).toMatchObject({
      name: "data.vmx[0].vmcs12",
      type: "uint8",
      array_len: 4096,
      size: 1,
    });
    expect(validateState(x86CpuDescription, state)).toEqual([]);
  });

  it("are written in QEMU 7.2's order whatever the order of the state's keys", () => {
    expect(X86_CPU_SUBSECTIONS.length).toBe(43);
    expect(X86_CPU_SUBSECTIONS.slice(0, 6)).toEqual([
      "exception_info",
      "async_pf_msr",
      "async_pf_int_msr",
      "async_pv_eoi_msr",
      "steal_time_msr",
      "poll_control_msr",
    ]);
    expect(X86_CPU_SUBSECTIONS.slice(-6)).toEqual(["msr_tsx_ctrl", "intel_sgx", "pdptrs", "msr_xfd", "intel_amx_xtile", "arch_lbr", "triple_fault"].slice(-6));
    const { poll_control_msr, ...rest } = x86CpuDefaults();
    const state = { triple_fault: { triple_fault_pending: 1 }, ...rest, spec_ctrl: { spec_ctrl: 4n }, poll_control_msr } as X86CpuState;
    const { vmdesc } = describeDevice(x86CpuDescription, state, { name: "cpu", instanceId: 0 });
    expect(vmdesc.subsections?.map((s) => s.vmsd_name)).toEqual(["cpu/poll_control_msr", "cpu/spec_ctrl", "cpu/triple_fault"]);
  });

  it("an unknown cpu subsection (8.0's cpu/xen_vcpu) is refused like QEMU 7.2 refuses it", () => {
    const base = encodeLegacy(x86CpuDescription, x86CpuDefaults());
    const xen = Buffer.concat([base, Buffer.from(`050c${ascii("cpu/xen_vcpu")}00000001`, "hex")]);
    expect(() => decodeLegacy(x86CpuDescription, xen, { final: true })).toThrow(/unknown subsection "cpu\/xen_vcpu"/);
  });

  it("property: arbitrary states survive QEMU bytes and BER", () => {
    const section = { name: "cpu", instanceId: 0n, versionId: 12n };
    const registry = createRegistry(x86CpuPlugin);
    expect(registry.find("cpu", 11)).toBe(x86CpuPlugin);
    fc.assert(
      fc.property(arbitraryState(x86CpuDescription), (state) => {
        const bytes = x86CpuPlugin.legacy!.encode(state as X86CpuState, section);
        const back = decodeLegacy(x86CpuDescription, bytes, { final: true });
        expect(back.value).toEqual(state);
        expect(x86CpuPlugin.ber.decode(x86CpuPlugin.ber.encode(back.value, section), section)).toEqual(state);
      }),
      { numRuns: 15 },
    );
  });

  it("version 11 streams carry no xcr0, xstate_bv or YMM upper halves", () => {
    const { xcr0, xstate_bv, ymmh_regs, ...v11 } = x86CpuDefaults();
    expect([xcr0, xstate_bv, ymmh_regs?.length]).toEqual([1n, 0n, 16]);
    const bytes = encodeLegacy(x86CpuDescription, v11 as X86CpuState, { version: 11 });
    expect(bytes.length).toBe(encodeLegacy(x86CpuDescription, x86CpuDefaults()).length - 8 - 8 - 16 * 16);
    expect(decodeLegacy(x86CpuDescription, bytes, { version: 11, final: true }).value).toEqual(v11);
  });
});

describe("cpu bounds", () => {
  const messages = (state: X86CpuState): string[] => validateState(x86CpuDescription, state).map((e) => e.message);

  it("reject what QEMU refuses or would misuse", () => {
    const d = x86CpuDefaults();
    expect(messages({ ...d, fpregs_format_vmstate: 1 })).toEqual(["cpu: field fpregs_format_vmstate must be <= 0"]);
    expect(messages({ ...d, interrupt_injected: 256, exception_nr: -2 })).toEqual([
      "cpu: field interrupt_injected must be <= 255",
      "cpu: field exception_nr must be >= -1",
    ]);
    expect(
      messages({ ...d, arch_lbr: { msr_lbr_ctl: 0n, msr_lbr_depth: 33n, lbr_records: Array.from({ length: 32 }, () => ({ from: 0n, to: 0n, info: 0n })) } }),
    ).toEqual(["cpu: field arch_lbr.msr_lbr_depth must be <= 32 (maximum)"]);
    const nested = { flags: 0, format: 2, size: 64 };
    expect(messages({ ...d, nested_state: { nested_state: nested } })).toEqual([
      "cpu: field nested_state.nested_state.format must be <= 1",
      "cpu: field nested_state.nested_state.size must be >= 128",
    ]);
  });

  it("x86CpuProblems: more machine-check banks than QEMU stores", () => {
    const d = x86CpuDefaults();
    expect(x86CpuProblems(d)).toEqual([]);
    expect(x86CpuProblems({ ...d, mcg_cap: 0x1000100n | 0xffn })).toEqual(["cpu: field mcg_cap declares 255 machine-check banks, QEMU has storage for 10"]);
  });

  it("neededMismatches: a subsection holding a value QEMU would not send", () => {
    const d = x86CpuDefaults();
    expect(neededMismatches(x86CpuDescription, { ...d, msr_ia32_misc_enable: { msr_ia32_misc_enable: 1n } })).toEqual([
      { path: ["cpu", "msr_ia32_misc_enable"], subsection: "cpu/msr_ia32_misc_enable", needed: false },
    ]);
    expect(neededMismatches(x86CpuDescription, { ...d, hflags2: d.hflags2 | 0x40 })).toEqual([
      { path: ["cpu", "svn_npt"], subsection: "cpu/svn_npt", needed: true },
    ]);
  });
});
