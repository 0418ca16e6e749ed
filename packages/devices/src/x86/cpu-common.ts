/**
 * The accelerator-independent part of a vCPU as QEMU 7.2 migrates it:
 * vmsd "cpu_common", version 1, from cpu.c (QEMU's top-level CPU glue).
 * One section per vCPU (instance id = CPU index), sent before the
 * architecture's own "cpu" section.
 *
 * Fields: whether the vCPU is halted, and the pending interrupt request
 * bits (CPU_INTERRUPT_*: hard IRQ, NMI, SMI, INIT, SIPI, MCE, ...; bit 0 is
 * cleared on load). Subsections: the pending TCG exception number (sent by
 * TCG when one is pending) and whether the guest reported a crash.
 */
import { bool, definePlugin, i32, subsection, u32, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

/** x86's CPU_INTERRUPT_POLL: the APIC should be polled for a pending interrupt. */
export const CPU_INTERRUPT_POLL = 0x10;

/** Largest TCG exception index: EXCP_ATOMIC (0x10005); guest vectors and x86's own are below. */
export const EXCP_MAX = 0x10005;

export const cpuCommonDescription = vmsd(
  { name: "cpu_common", version: 1, description: "generic vCPU state (cpu.c)" },
  {
    halted: u32({ maximum: 1, description: "1 while the vCPU waits for an interrupt (HLT, or an AP before SIPI)" }),
    interrupt_request: u32({ description: "CPU_INTERRUPT_* bits pending" }),
    exception_index: subsection(
      vmsd(
        { name: "cpu_common/exception_index", version: 1 },
        {
          exception_index: i32({ minimum: -1, maximum: EXCP_MAX, description: "exception TCG is about to deliver; -1 for none (then not sent)" }),
        },
      ),
      { needed: (s) => ((s["exception_index"] as { exception_index: number } | undefined)?.exception_index ?? -1) !== -1 },
    ),
    crash_occurred: subsection(
      vmsd(
        { name: "cpu_common/crash_occurred", version: 1 },
        {
          crash_occurred: bool(),
        },
      ),
      { needed: (s) => (s["crash_occurred"] as { crash_occurred: boolean } | undefined)?.crash_occurred === true },
    ),
  },
);

export type CpuCommonState = Static<typeof cpuCommonDescription>;

export const cpuCommonPlugin = definePlugin({ id: "@qber/devices:cpu_common", description: cpuCommonDescription });

/**
 * A freshly reset vCPU: the bootstrap processor runs, application
 * processors start halted until INIT/SIPI; the only pending request is
 * the APIC poll (CPU_INTERRUPT_POLL, 0x10) QEMU's reset raises; no
 * exception pending.
 */
export function cpuCommonDefaults(options: { readonly bsp?: boolean } = {}): CpuCommonState {
  return { halted: (options.bsp ?? true) ? 0 : 1, interrupt_request: CPU_INTERRUPT_POLL };
}
