/**
 * The x86 CPU family of QEMU 7.2 pc/q35 machines as typed section plugins:
 * per vCPU "cpu_common", "cpu" and "apic", and the machine's
 * "kvm-tpr-opt". Plugin ids are `@qber/devices:<vmsd name>`; each plugin
 * carries its description.
 */
import type { DevicePlugin } from "@qber/vmstate";
import { apicPlugin } from "./x86/apic.js";
import { cpuCommonPlugin } from "./x86/cpu-common.js";
import { kvmTprOptPlugin } from "./x86/kvm-tpr-opt.js";
import { x86CpuPlugin } from "./x86/x86-cpu.js";

export { apicDefaults, apicDescription, apicPlugin, type ApicState } from "./x86/apic.js";
export { cpuCommonDefaults, cpuCommonDescription, cpuCommonPlugin, type CpuCommonState } from "./x86/cpu-common.js";
export { kvmTprOptDefaults, kvmTprOptDescription, kvmTprOptPlugin, type KvmTprOptState } from "./x86/kvm-tpr-opt.js";
export { x86CpuDefaults, x86CpuDescription, x86CpuPlugin, x86CpuProblems, type X86CpuState } from "./x86/x86-cpu.js";

export const x86Plugins: readonly DevicePlugin[] = Object.freeze([cpuCommonPlugin, x86CpuPlugin, kvmTprOptPlugin, apicPlugin]);
