/**
 * The ICH9 TCO watchdog: QEMU's `tco io device status` vmsd, version 1
 * (hw/acpi/tco.c), part of the ICH9 power-management state.
 *
 * Reload, data-in/out, status, control and message registers, the
 * watchdog count and timer value, the software IRQ generator, the QEMU
 * timer with its expiry and how many timeouts occurred (the second one
 * resets the machine).
 */
import { i64, named, timer, u16, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

export const tcoDescription = vmsd(
  { name: "tco io device status", version: 1, description: "ICH9 TCO watchdog" },
  {
    rld: named("tco.rld", u16()),
    din: named("tco.din", u8()),
    dout: named("tco.dout", u8()),
    sts1: named("tco.sts1", u16()),
    sts2: named("tco.sts2", u16()),
    cnt1: named("tco.cnt1", u16()),
    cnt2: named("tco.cnt2", u16()),
    msg1: named("tco.msg1", u8()),
    msg2: named("tco.msg2", u8()),
    wdcnt: named("tco.wdcnt", u8()),
    tmr: named("tco.tmr", u16()),
    sw_irq_gen: u8(),
    tco_timer: timer(),
    expire_time: i64(),
    timeouts_no: u8(),
  },
);

export type TcoState = Static<typeof tcoDescription>;

/** A reset TCO watchdog: timer value 4, no-reboot clear, SMI generation default, timer idle. */
export const tcoDefaults = (): TcoState => ({
  rld: 0,
  din: 0,
  dout: 0,
  sts1: 0,
  sts2: 0,
  cnt1: 0,
  cnt2: 0x08,
  msg1: 0,
  msg2: 0,
  wdcnt: 0,
  tmr: 4,
  sw_irq_gen: 3,
  tco_timer: -1n,
  expire_time: -1n,
  timeouts_no: 0,
});
