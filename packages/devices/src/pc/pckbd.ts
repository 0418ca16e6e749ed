/**
 * The i8042 keyboard controller: QEMU's ISA `pckbd` vmsd, version 3,
 * wrapping the controller's own `pckbd` vmsd, version 3, with subsections
 * `pckbd_outport` (version 1) and `pckbd/extended_state` (version 0)
 * (hw/input/pckbd.c).
 *
 * The pending controller command, status register, command byte (mode),
 * the byte an old QEMU kept for a queued write, and in the subsections the
 * output port (A20 gate, reset line) and the output-buffer bookkeeping:
 * migration flags, which device's byte the output buffer holds, that byte,
 * and the controller's own reply byte.
 */
import { definePlugin, struct, subsection, u32, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

const outportDescription = vmsd({ name: "pckbd_outport", version: 1, description: "Output port (A20, reset)" }, { outport: u8() });

const extendedStateDescription = vmsd(
  { name: "pckbd/extended_state", version: 0, description: "Output buffer bookkeeping" },
  {
    /** KBD_MIGR_* flags (bit 0: a timer-driven refill is pending). */
    migration_flags: u32(),
    /** Source of the byte in the output buffer (KBD_OBSRC_*: 1 keyboard, 2 mouse, 4 controller). */
    obsrc: u32({ maximum: 7 }),
    obdata: u8(),
    cbdata: u8(),
  },
);

export const pckbdStateDescription = vmsd(
  { name: "pckbd", version: 3, minVersion: 3, description: "i8042 controller registers" },
  {
    write_cmd: u8(),
    status: u8(),
    /** Controller command byte. */
    mode: u8(),
    /** Byte of a deferred keyboard/mouse write, kept for old streams. */
    pending_tmp: u8(),
    /** Sent when the output port differs from its usual value (A20 on, reset released). */
    outport: subsection(outportDescription),
    extended_state: subsection(extendedStateDescription),
  },
);

export const pckbdDescription = vmsd(
  { name: "pckbd", version: 3, minVersion: 3, description: "i8042 keyboard controller (ISA)" },
  { kbd: struct(pckbdStateDescription) },
);

export type PckbdState = Static<typeof pckbdDescription>;

export const pckbdPlugin = definePlugin({ id: "@qber/devices:pckbd", description: pckbdDescription });

/**
 * A reset controller: self-test passed and keyboard unlocked in the status
 * register, keyboard interrupt and system flag in the command byte, output
 * buffer empty.
 */
export const pckbdDefaults = (): PckbdState => ({
  kbd: {
    write_cmd: 0,
    status: 0x18,
    mode: 0x03,
    pending_tmp: 0,
    extended_state: { migration_flags: 0, obsrc: 0, obdata: 0, cbdata: 0 },
  },
});
