/**
 * System control port A (0x92, fast A20 and fast reset): QEMU's `port92`
 * vmsd, version 1 (hw/i386/port92.c).
 */
import { definePlugin, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

export const port92Description = vmsd(
  { name: "port92", version: 1, description: "System control port A (0x92)" },
  {
    /** Bit 1: A20 enabled; bit 0: reset request. */
    outport: u8(),
  },
);

export type Port92State = Static<typeof port92Description>;

export const port92Plugin = definePlugin({ id: "@qber/devices:port92", description: port92Description });

export const port92Defaults = (): Port92State => ({ outport: 0 });
