/**
 * The local APIC as QEMU 7.2 migrates it: vmsd "apic", version 3, from
 * hw/intc/apic_common.c (shared by the TCG model and KVM's in-kernel
 * one). One section per vCPU, instance id = APIC id.
 *
 * Fields: the IA32_APIC_BASE MSR (low 32 bits), APIC id and arbitration
 * id, task priority, spurious vector register, logical destination and
 * destination format, the in-service, trigger-mode and request registers
 * (256 bits each, as eight 32-bit words, lowest vectors first), the six
 * LVT entries (timer, thermal, perf counters, LINT0, LINT1, error), error
 * status, the interrupt command register (low, high), the timer's divide
 * configuration, the shift derived from it, its initial count and load
 * time, the next tick and the timer's expiry (QEMU clock ns, -1 when
 * stopped).
 *
 * Subsection "apic_sipi" (QEMU names it without a slash; there is no other
 * subsection in 7.2, e.g. no timer subsection): the SIPI vector and the
 * wait-for-SIPI flag, sent while an application processor waits for its
 * startup IPI.
 *
 * Bounds: QEMU shifts 64-bit times by `count_shift` (it computes 0..7 from
 * the divide configuration; larger shifts are undefined in C), and uses
 * `sipi_vector` as the real-mode page of the startup code (0..255).
 */
import { array, definePlugin, i32, i64, subsection, u32, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

/** APIC_LVT_NB: timer, thermal, performance counter, LINT0, LINT1, error. */
export const APIC_LVT_NB = 6;
export const APIC_LVT_TIMER = 0,
  APIC_LVT_LINT0 = 3,
  APIC_LVT_LINT1 = 4;
/** LVT mask bit. */
export const APIC_LVT_MASKED = 1 << 16;
/** Default APIC MMIO base, the BSP flag and the global enable of IA32_APIC_BASE. */
export const APIC_DEFAULT_ADDRESS = 0xfee00000;
export const MSR_IA32_APICBASE_BSP = 1 << 8;
export const MSR_IA32_APICBASE_ENABLE = 1 << 11;

const bits256 = (what: string) => array(u32(), 8, { description: `${what}: vectors 32i..32i+31 in word i` });

export const apicDescription = vmsd(
  { name: "apic", version: 3, description: "local APIC (hw/intc/apic_common.c)" },
  {
    apicbase: u32({ description: "IA32_APIC_BASE: base address | enable (bit 11) | BSP (bit 8)" }),
    id: u8(),
    arb_id: u8(),
    tpr: u8(),
    spurious_vec: u32(),
    log_dest: u8(),
    dest_mode: u8(),
    isr: bits256("in-service register"),
    tmr: bits256("trigger-mode register"),
    irr: bits256("interrupt request register"),
    lvt: array(u32(), APIC_LVT_NB, { description: "timer, thermal, perf, LINT0, LINT1, error" }),
    esr: u32(),
    icr: array(u32(), 2, { description: "interrupt command register: low word, high word (destination)" }),
    divide_conf: u32(),
    count_shift: i32({ minimum: 0, maximum: 7, description: "timer tick = 2^count_shift bus ticks" }),
    initial_count: u32(),
    initial_count_load_time: i64(),
    next_time: i64(),
    timer_expiry: i64({ description: "QEMU clock ns of the next timer interrupt, -1 when none" }),
    apic_sipi: subsection(
      vmsd(
        { name: "apic_sipi", version: 1 },
        {
          sipi_vector: i32({ minimum: 0, maximum: 255 }),
          wait_for_sipi: i32({ minimum: 0, maximum: 1 }),
        },
      ),
      { needed: (s) => ((s["apic_sipi"] as { wait_for_sipi: number } | undefined)?.wait_for_sipi ?? 0) !== 0 },
    ),
  },
);

export type ApicState = Static<typeof apicDescription>;

export const apicPlugin = definePlugin({ id: "@qber/devices:apic", description: apicDescription });

export interface ApicDefaultsOptions {
  /** APIC id (also the section's instance id); default 0. */
  readonly id?: number;
  /** Bootstrap processor; default true. */
  readonly bsp?: boolean;
}

/**
 * The APIC of a freshly reset vCPU: enabled at 0xfee00000 (BSP flag on
 * CPU 0 only), spurious vector 0xff (software-disabled), flat destination
 * model, every LVT masked (LINT0 included: firmware programs ExtINT later),
 * timer stopped. An application processor also waits for a SIPI (the
 * apic_sipi subsection). Matches pc-never-run.mig (BSP) and a `-smp 2`
 * capture (AP) byte for byte.
 */
export function apicDefaults(options: ApicDefaultsOptions = {}): ApicState {
  const bsp = options.bsp ?? true;
  const id = options.id ?? 0;
  const lvt = Array.from({ length: APIC_LVT_NB }, () => APIC_LVT_MASKED);
  const state: ApicState = {
    apicbase: (APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE | (bsp ? MSR_IA32_APICBASE_BSP : 0)) >>> 0,
    id,
    arb_id: 0,
    tpr: 0,
    spurious_vec: 0xff,
    log_dest: 0,
    dest_mode: 0xf,
    isr: [0, 0, 0, 0, 0, 0, 0, 0],
    tmr: [0, 0, 0, 0, 0, 0, 0, 0],
    irr: [0, 0, 0, 0, 0, 0, 0, 0],
    lvt,
    esr: 0,
    icr: [0, 0],
    divide_conf: 0,
    count_shift: 0,
    initial_count: 0,
    initial_count_load_time: 0n,
    next_time: 0n,
    timer_expiry: -1n,
  };
  return bsp ? state : { ...state, apic_sipi: { sipi_vector: 0, wait_for_sipi: 1 } };
}
