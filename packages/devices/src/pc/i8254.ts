/**
 * The 8254 programmable interval timer: QEMU's `i8254` vmsd, version 3,
 * with its per-channel `pit channel`, version 2 (hw/timer/i8254_common.c).
 *
 * Whether channel 0 drives IRQ 0 (the HPET legacy mode turns it off), the
 * three counters (count, latched values, status, read/write state machine,
 * access and counting modes, BCD, gate, load time and next output
 * transition) and channel 0's next transition again for its QEMU timer.
 *
 * The bounds are the values the guest's writes can produce: the state
 * machines are switched on, and `count` divides the elapsed time, so it is
 * 1..65536 (a written 0 means 65536).
 */
import { array, definePlugin, i32, i64, named, since, struct, u16, u32, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

export const pitChannelDescription = vmsd(
  { name: "pit channel", version: 2, minVersion: 2, description: "One 8254 counter" },
  {
    /** Reload value, 1..65536. */
    count: i32({ minimum: 1, maximum: 0x10000 }),
    latched_count: u16(),
    /** Which latched byte(s) remain to be read (an access mode, 0..3). */
    count_latched: u8({ maximum: 3 }),
    status_latched: u8({ maximum: 1 }),
    status: u8(),
    /** Byte sequencing of reads (0..4). */
    read_state: u8({ maximum: 4 }),
    /** Byte sequencing of writes (0..4). */
    write_state: u8({ maximum: 4 }),
    write_latch: u8(),
    /** Access mode: latch, LSB, MSB, LSB then MSB (0..3). */
    rw_mode: u8({ maximum: 3 }),
    /** Counting mode (0..5; 6 and 7 alias 2 and 3). */
    mode: u8({ maximum: 7 }),
    bcd: u8({ maximum: 1 }),
    gate: u8({ maximum: 1 }),
    count_load_time: i64(),
    next_transition_time: i64(),
  },
);

export const i8254Description = vmsd(
  { name: "i8254", version: 3, minVersion: 2, description: "8254 programmable interval timer" },
  {
    irq_disabled: since(3, named("channels[0].irq_disabled", u32({ maximum: 1 }))),
    channels: since(2, array(struct(pitChannelDescription), 3)),
    /** Channel 0's next output transition (its QEMU timer). */
    next_transition_time: named("channels[0].next_transition_time", i64()),
  },
);

export type I8254State = Static<typeof i8254Description>;

export const i8254Plugin = definePlugin({ id: "@qber/devices:i8254", description: i8254Description });

/** PIT input clock (Hz). */
export const PIT_FREQ = 1193182;

/**
 * A reset PIT at virtual time 0: all channels in mode 3 (square wave) with
 * the maximal count; channel 2 (the speaker) gated off. Channel 0's first
 * output transition is half a period (32768 ticks) in.
 */
export function i8254Defaults(): I8254State {
  const firstTransition = (32768n * 1_000_000_000n) / BigInt(PIT_FREQ);
  const channel = (gate: number, next: bigint) => ({
    count: 0x10000,
    latched_count: 0,
    count_latched: 0,
    status_latched: 0,
    status: 0,
    read_state: 0,
    write_state: 0,
    write_latch: 0,
    rw_mode: 0,
    mode: 3,
    bcd: 0,
    gate,
    count_load_time: 0n,
    next_transition_time: next,
  });
  return {
    irq_disabled: 0,
    channels: [channel(1, firstTransition), channel(1, 0n), channel(0, 0n)],
    next_transition_time: firstTransition,
  };
}
