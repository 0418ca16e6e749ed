/**
 * The High Precision Event Timer: QEMU's `hpet` vmsd, version 2, with its
 * per-timer `hpet_timer`, version 1, and the subsections
 * `hpet/rtc_irq_level` and `hpet/offset`, version 1 each (hw/timer/hpet.c).
 *
 * Global configuration, interrupt status and main counter, the number of
 * comparators (version 2 on) and that many timers: number, configuration,
 * comparator, FSB route, period, the 32-bit wrap flag and the QEMU timer's
 * expiry. `num_timers` sizes the timer array QEMU loads into a fixed table
 * of HPET_MAX_TIMERS entries, so it is bounded (HPET_MIN_TIMERS..
 * HPET_MAX_TIMERS, the check QEMU added for CVE-2013-4527); a timer's
 * number is a bit position in the 32-bit status register.
 *
 * Version 1 streams (always three timers, no count on the wire) are not
 * handled by the plugin.
 */
import { array, definePlugin, since, struct, subsection, timer, u64, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

/** Fewest comparators an HPET has (HPET_MIN_TIMERS). */
export const HPET_MIN_TIMERS = 3;
/** Most comparators an HPET has (HPET_MAX_TIMERS). */
export const HPET_MAX_TIMERS = 32;

export const hpetTimerDescription = vmsd(
  { name: "hpet_timer", version: 1, description: "One HPET comparator" },
  {
    /** Timer number: its bit in the interrupt status register. */
    tn: u8({ maximum: HPET_MAX_TIMERS - 1 }),
    config: u64(),
    cmp: u64(),
    fsb: u64(),
    /** Last value written to the comparator in periodic mode. */
    period: u64(),
    /** One-shot 32-bit mode: the next expiry is the counter wrap. */
    wrap_flag: u8({ maximum: 1 }),
    qemu_timer: timer(),
  },
);

const rtcIrqLevelDescription = vmsd(
  { name: "hpet/rtc_irq_level", version: 1, description: "RTC interrupt level seen in legacy mode" },
  { rtc_irq_level: u8() },
);

const offsetDescription = vmsd({ name: "hpet/offset", version: 1, description: "Counter offset against the virtual clock" }, { hpet_offset: u64() });

export const hpetDescription = vmsd(
  { name: "hpet", version: 2, minVersion: 1, description: "High Precision Event Timer" },
  {
    config: u64(),
    isr: u64(),
    hpet_counter: u64(),
    num_timers: since(2, u8({ minimum: HPET_MIN_TIMERS, maximum: HPET_MAX_TIMERS })),
    timer: array(struct(hpetTimerDescription), { from: "num_timers" }),
    /** Sent while the RTC interrupt is raised through the HPET. */
    rtc_irq_level: subsection(rtcIrqLevelDescription, {
      needed: (s) => ((s["rtc_irq_level"] as { rtc_irq_level?: number } | undefined)?.rtc_irq_level ?? 0) !== 0,
    }),
    offset: subsection(offsetDescription),
  },
);

export type HpetState = Static<typeof hpetDescription>;
export type HpetTimerState = Static<typeof hpetTimerDescription>;

export const hpetPlugin = definePlugin({ id: "@qber/devices:hpet", description: hpetDescription, minVersion: 2 });

/**
 * Interrupt routing capability (the upper half of each comparator's
 * configuration): the `pc` machine routes the HPET to IRQ 2 only, `q35`
 * to IRQ 2, 8 and 16..23 (QEMU's `hpet-intcap` property).
 */
export const HPET_INTCAP = { pc: 0x4n, q35: 0xff0104n } as const;
/** Lower configuration bits of a reset comparator: 64-bit capable, periodic capable. */
const TIMER_CAPS = 0x30n;

/** A reset HPET: disabled, counter at zero, three idle comparators routed as on `machine`. */
export const hpetDefaults = (machine: keyof typeof HPET_INTCAP = "pc"): HpetState => ({
  config: 0n,
  isr: 0n,
  hpet_counter: 0n,
  num_timers: HPET_MIN_TIMERS,
  timer: Array.from({ length: HPET_MIN_TIMERS }, (_, tn) => ({
    tn,
    config: (HPET_INTCAP[machine] << 32n) | TIMER_CAPS,
    cmp: 0xffffffffffffffffn,
    fsb: 0n,
    period: 0n,
    wrap_flag: 0,
    qemu_timer: -1n,
  })),
});
