/**
 * The MC146818 real-time clock and CMOS RAM: QEMU's `mc146818rtc` vmsd,
 * version 3, with subsection `mc146818rtc/irq_reinject_on_ack_count`,
 * version 1 (hw/rtc/mc146818rtc.c).
 *
 * The 128 bytes of CMOS (clock registers, status registers A-D, and the
 * NVRAM the firmware reads: memory size, boot order, ...), the CMOS index
 * latch, the periodic interrupt timer, coalesced-interrupt accounting, and
 * (version 3 on) the clock base: the guest time at `last_update` of the
 * virtual clock, its offset, and the update/alarm timers. Two retired
 * blocks sit between (their bytes are zero).
 *
 * `cmos_index` indexes the 128-byte CMOS array on every data-port access,
 * so it must be below 128.
 */
import { definePlugin, i64, named, since, subsection, timer, u16, u32, u64, u8, unused, buffer, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { bytesOf, zeros } from "./bytes.js";

/** Bytes of CMOS RAM. */
export const RTC_CMOS_SIZE = 128;

const reinjectDescription = vmsd(
  { name: "mc146818rtc/irq_reinject_on_ack_count", version: 1, description: "Coalesced interrupts reinjected on acknowledge" },
  { irq_reinject_on_ack_count: u16() },
);

export const mc146818rtcDescription = vmsd(
  { name: "mc146818rtc", version: 3, minVersion: 1, description: "MC146818 RTC and CMOS RAM" },
  {
    cmos_data: buffer(RTC_CMOS_SIZE),
    /** CMOS address latched through port 0x70. */
    cmos_index: u8({ maximum: RTC_CMOS_SIZE - 1 }),
    unused0: named("unused", unused(7 * 4)),
    periodic_timer: timer(),
    next_periodic_time: i64(),
    unused1: named("unused", unused(3 * 8)),
    irq_coalesced: since(2, u32()),
    period: since(2, u32()),
    /** Guest time (seconds) at `last_update`. */
    base_rtc: since(3, u64()),
    /** Virtual clock (ns) of the last clock update. */
    last_update: since(3, u64()),
    /** Sub-second offset of the clock (ns). */
    offset: since(3, i64()),
    update_timer: since(3, timer()),
    next_alarm_time: since(3, u64()),
    /** Sent while coalesced interrupts are reinjected on acknowledge. */
    irq_reinject_on_ack_count: subsection(reinjectDescription),
  },
);

export type Mc146818rtcState = Static<typeof mc146818rtcDescription>;

export const mc146818rtcPlugin = definePlugin({ id: "@qber/devices:mc146818rtc", description: mc146818rtcDescription });

/**
 * CMOS contents QEMU 7.2 sets up for the default machines with `-m 32`
 * (registers A-D, base/extended memory sizes, floppy and disk bytes,
 * boot order), from offset 10 on; bytes 0-9 are the clock.
 */
const CMOS_FROM_REGISTER_A = "26020080000000000000068002007c0000000000000000000000000000000000000000000000007c2000000100003000" + "00000012";
/** CMOS offset of the century byte. */
const CMOS_CENTURY = 0x32;

const bcd = (v: number): number => ((v / 10) | 0) * 16 + (v % 10);

/**
 * The RTC of a machine created at `now` (UTC, QEMU's default `-rtc
 * base=utc`) that never ran: the CMOS clock shows `now`, the next update is
 * due one second later and the (all-zero, i.e. midnight) alarm at the next
 * midnight. QEMU's RTC runs on the host clock, so `now` is what makes the
 * reference capture reproducible: pass its creation time (a Date, or the
 * host clock in nanoseconds since the epoch for full precision) to get its
 * bytes.
 */
export function mc146818rtcDefaults(now: Date | bigint = new Date(Date.UTC(2000, 0, 1))): Mc146818rtcState {
  const last_update = typeof now === "bigint" ? now : BigInt(now.getTime()) * 1_000_000n;
  const seconds = last_update / 1_000_000_000n;
  if (typeof now === "bigint") now = new Date(Number(seconds) * 1000);
  const cmos = bytesOf(RTC_CMOS_SIZE);
  cmos.set(bytesOf(RTC_CMOS_SIZE - 10, CMOS_FROM_REGISTER_A), 10);
  const clock = [
    now.getUTCSeconds(),
    0,
    now.getUTCMinutes(),
    0,
    now.getUTCHours(),
    0,
    now.getUTCDay() + 1,
    now.getUTCDate(),
    now.getUTCMonth() + 1,
    now.getUTCFullYear() % 100,
  ];
  clock.forEach((v, i) => (cmos[i] = bcd(v)));
  cmos[CMOS_CENTURY] = bcd(Math.floor(now.getUTCFullYear() / 100));
  const secondsToMidnight = 86400n - (seconds % 86400n);
  return {
    cmos_data: cmos,
    cmos_index: 0,
    unused0: zeros(28),
    periodic_timer: -1n,
    next_periodic_time: 0n,
    unused1: zeros(24),
    irq_coalesced: 0,
    period: 0,
    base_rtc: seconds,
    last_update,
    offset: 0n,
    update_timer: last_update + 1_000_000_000n,
    next_alarm_time: last_update + secondsToMidnight * 1_000_000_000n,
  };
}
