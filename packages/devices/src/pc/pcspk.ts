/**
 * The PC speaker: QEMU's `pcspk` vmsd, version 1 (hw/audio/pcspk.c).
 *
 * Port 0x61 bit 1 (speaker data enable) and the emulated DRAM refresh
 * toggle the BIOS polls in bit 4.
 */
import { definePlugin, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

export const pcspkDescription = vmsd(
  { name: "pcspk", version: 1, description: "PC speaker (port 0x61)" },
  {
    data_on: u8({ maximum: 1 }),
    /** Refresh toggle, flipped between 0 and 0x10 on every read. */
    dummy_refresh_clock: u8(),
  },
);

export type PcspkState = Static<typeof pcspkDescription>;

export const pcspkPlugin = definePlugin({ id: "@qber/devices:pcspk", description: pcspkDescription });

export const pcspkDefaults = (): PcspkState => ({ data_on: 0, dummy_refresh_clock: 0 });
