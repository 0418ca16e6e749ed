/**
 * One ISA DMA controller (8237): QEMU's `dma` vmsd, version 1, with its
 * channel registers `dma_regs`, version 1 (hw/dma/i8257.c). The PC has two:
 * instance 0 the 8-bit controller (channels 0-3), instance 1 the 16-bit one
 * (channels 4-7).
 *
 * Command, mask and flip-flop registers, the width shift (0 for the 8-bit
 * controller, 1 for the 16-bit one; it scales every transfer position),
 * and per channel the current and base address/count pairs, mode, page
 * registers and request/terminal-count flags.
 */
import { array, definePlugin, i32, struct, u16, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { repeat } from "./bytes.js";

export const dmaRegsDescription = vmsd(
  { name: "dma_regs", version: 1, description: "One DMA channel" },
  {
    /** Current address and count. */
    now: array(i32(), 2),
    /** Base address and count. */
    base: array(u16(), 2),
    mode: u8(),
    page: u8(),
    pageh: u8(),
    dack: u8(),
    eop: u8(),
  },
);

export const dmaDescription = vmsd(
  { name: "dma", version: 1, description: "8237 DMA controller" },
  {
    command: u8(),
    mask: u8(),
    /** Byte flip-flop for 16-bit register access (0 or 1). */
    flip_flop: u8({ maximum: 1 }),
    /** log2 of the transfer width in bytes: 0 (8-bit controller) or 1 (16-bit). */
    dshift: i32({ minimum: 0, maximum: 1 }),
    regs: array(struct(dmaRegsDescription), 4),
  },
);

export type DmaState = Static<typeof dmaDescription>;

export const dmaPlugin = definePlugin({ id: "@qber/devices:dma", description: dmaDescription });

/** A reset controller: all channels masked; `instance` 0 is the 8-bit one, 1 the 16-bit one. */
export const dmaDefaults = (instance: 0 | 1 = 0): DmaState => ({
  command: 0,
  mask: 0xff,
  flip_flop: 0,
  dshift: instance,
  regs: repeat(4, () => ({ now: [0, 0], base: [0, 0], mode: 0, page: 0, pageh: 0, dack: 0, eop: 0 })),
});
