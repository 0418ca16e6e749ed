/**
 * One 8259A interrupt controller: QEMU's `i8259` vmsd, version 1
 * (hw/intc/i8259_common.c). The PC has two: instance 0 the master (IRQ
 * 0-7, at 0x20), instance 1 the slave (IRQ 8-15, at 0xa0).
 *
 * Interrupt request, mask and in-service registers, rotation priority,
 * vector base, the initialisation sequence state and mode flags, and the
 * edge/level control register (ELCR).
 */
import { definePlugin, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

export const i8259Description = vmsd(
  { name: "i8259", version: 1, description: "8259A programmable interrupt controller" },
  {
    /** Input levels at the last update, for edge detection. */
    last_irr: u8(),
    irr: u8(),
    imr: u8(),
    isr: u8(),
    /** Lowest-priority rotation base (0..7). */
    priority_add: u8({ maximum: 7 }),
    /** Vector base (ICW2). */
    irq_base: u8(),
    read_reg_select: u8({ maximum: 1 }),
    poll: u8({ maximum: 1 }),
    special_mask: u8({ maximum: 1 }),
    /** Which initialisation word comes next (0: none, 1..3: ICW2..ICW4). */
    init_state: u8({ maximum: 3 }),
    auto_eoi: u8({ maximum: 1 }),
    rotate_on_auto_eoi: u8({ maximum: 1 }),
    special_fully_nested_mode: u8({ maximum: 1 }),
    init4: u8({ maximum: 1 }),
    single_mode: u8({ maximum: 1 }),
    /** Edge/level control register. */
    elcr: u8(),
  },
);

export type I8259State = Static<typeof i8259Description>;

export const i8259Plugin = definePlugin({ id: "@qber/devices:i8259", description: i8259Description });

/** A controller before the firmware programs it (master and slave alike). */
export const i8259Defaults = (): I8259State => ({
  last_irr: 0,
  irr: 0,
  imr: 0,
  isr: 0,
  priority_add: 0,
  irq_base: 0,
  read_reg_select: 0,
  poll: 0,
  special_mask: 0,
  init_state: 0,
  auto_eoi: 0,
  rotate_on_auto_eoi: 0,
  special_fully_nested_mode: 0,
  init4: 0,
  single_mode: 0,
  elcr: 0,
});
