/**
 * The virtual clock bookkeeping: QEMU's `timer` vmsd, version 2
 * (softmmu/cpu-timers.c), with the icount subsections `timer/icount`,
 * `timer/icount/warp_timer`, `timer/icount/timers` (version 1) and
 * `timer/icount/shift` (version 2).
 *
 * The offsets that make the guest's tick counter and virtual clock continue
 * where they stopped, a retired 8-byte slot, and, only when the machine runs
 * with `-icount`, the instruction counter, its warp/adjust timers and the
 * adaptive shift.
 */
import { definePlugin, i16, i64, since, subsection, timer, unused, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { zeros } from "./bytes.js";

const warpTimerDescription = vmsd(
  { name: "timer/icount/warp_timer", version: 1, description: "Clock warp in progress (icount sleep)" },
  { vm_clock_warp_start: i64(), icount_warp_timer: timer() },
);

const adjustTimersDescription = vmsd(
  { name: "timer/icount/timers", version: 1, description: "Adaptive icount adjustment timers" },
  { icount_rt_timer: timer(), icount_vm_timer: timer() },
);

const shiftDescription = vmsd(
  { name: "timer/icount/shift", version: 2, description: "Adaptive icount shift (shift=auto)" },
  { icount_time_shift: i16({ minimum: 0, maximum: 10 }), last_delta: i64() },
);

const icountDescription = vmsd(
  { name: "timer/icount", version: 1, description: "Instruction counting state (-icount)" },
  {
    qemu_icount_bias: i64(),
    qemu_icount: i64(),
    warp_timer: subsection(warpTimerDescription),
    timers: subsection(adjustTimersDescription),
    shift: subsection(shiftDescription),
  },
);

export const timerDescription = vmsd(
  { name: "timer", version: 2, minVersion: 1, description: "Guest tick counter and virtual clock offsets" },
  {
    /** Offset added to the host tick counter to give the guest's. */
    cpu_ticks_offset: i64(),
    /** Retired field (an old clock offset), always zero. */
    unused: unused(8),
    /** Offset added to the host clock to give the virtual clock (ns). */
    cpu_clock_offset: since(2, i64()),
    icount: subsection(icountDescription),
  },
);

export type TimerState = Static<typeof timerDescription>;

export const timerPlugin = definePlugin({ id: "@qber/devices:timer", description: timerDescription });

/**
 * A machine that never ran: no ticks and no virtual time elapsed yet. QEMU's
 * values depend on the host clock when the machine was created (the tick
 * offset is minus the host tick counter then), so the reference capture's
 * numbers are not reproducible; zero offsets start the guest's clocks at 0.
 */
export const timerDefaults = (): TimerState => ({ cpu_ticks_offset: 0n, unused: zeros(8), cpu_clock_offset: 0n });
