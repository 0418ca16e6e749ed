/**
 * The standard VGA (`-device VGA`, Bochs VBE extensions) as QEMU 7.2
 * migrates it: section vmsd "vga" version 2 from hw/display/vga-pci.c,
 * holding the PCI function and the VGA core, vmsd "vga" version 2 from
 * hw/display/vga.c. Section idstr `<pci addr>/vga`. The 16 MiB frame
 * buffer is not here: it is the RAM block `<pci addr>/vga.vram`.
 *
 * Core fields: the latch, the sequencer (index + 8 registers), graphics
 * controller (index + 16), attribute controller (index + 21, flip-flop),
 * CRTC (index + 256), misc output and feature control, input status 0/1,
 * the DAC (state, sub-index, read/write indices, 3-byte cache, 256-colour
 * palette), the bank offset, a "VBE present" byte QEMU requires to be 1,
 * and the VBE index, its 10 registers, start address, line offset and bank
 * mask. Subsection `vga.endian` (frame-buffer endianness) is sent only when
 * it differs from the target default, never on x86.
 *
 * Bounds: sr_index <= 7, gr_index <= 15, ar_index <= 0x3f (QEMU masks the
 * values it stores into these index registers to those widths),
 * dac_sub_index <= 2 (indexes the 3-byte DAC cache), vbe_index <= 10 (the
 * VBE register file has 10 entries; index 10 reads the video-memory size),
 * ar_flip_flop 0 or 1.
 */
import { array, buffer, bool, definePlugin, i32, struct, subsection, u16, u32, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { pciDeviceDescription } from "../pc/pci-device.js";

/** VBE_DISPI_INDEX_NB: entries of the VBE register file. */
export const VBE_DISPI_INDEX_NB = 10;

export const vgaCommonDescription = vmsd(
  { name: "vga", version: 2, description: "VGA core (hw/display/vga.c)" },
  {
    latch: u32(),
    sr_index: u8({ maximum: 7, description: "sequencer index (QEMU stores index & 7)" }),
    sr: buffer(8, { description: "sequencer registers 0..7" }),
    gr_index: u8({ maximum: 0x0f, description: "graphics controller index (QEMU stores index & 15)" }),
    gr: buffer(16, { description: "graphics controller registers 0..15" }),
    ar_index: u8({ maximum: 0x3f, description: "attribute controller index (QEMU stores index & 0x3f)" }),
    ar: buffer(21, { description: "attribute controller registers 0..20" }),
    ar_flip_flop: i32({ minimum: 0, maximum: 1, description: "0: next 0x3c0 write is an index, 1: data" }),
    cr_index: u8({ description: "CRTC index (any value: the CRTC array has 256 entries)" }),
    cr: buffer(256, { description: "CRTC registers" }),
    msr: u8({ description: "miscellaneous output" }),
    fcr: u8({ description: "feature control" }),
    st00: u8({ description: "input status 0" }),
    st01: u8({ description: "input status 1" }),
    dac_state: u8(),
    dac_sub_index: u8({ maximum: 2, description: "byte of the current DAC entry (indexes the 3-byte cache)" }),
    dac_read_index: u8(),
    dac_write_index: u8(),
    dac_cache: buffer(3),
    palette: buffer(768, { description: "256 RGB entries, 6 bits per component" }),
    bank_offset: i32(),
    is_vbe_vmstate: u8({ equal: 1, description: "QEMU requires 1 (VBE compiled in)" }),
    vbe_index: u16({ maximum: VBE_DISPI_INDEX_NB, description: "VBE register index" }),
    vbe_regs: array(u16(), VBE_DISPI_INDEX_NB, { description: "ID, XRES, YRES, BPP, ENABLE, BANK, VIRT_WIDTH, VIRT_HEIGHT, X_OFFSET, Y_OFFSET" }),
    vbe_start_addr: u32(),
    vbe_line_offset: u32(),
    vbe_bank_mask: u32(),
    endian: subsection(vmsd({ name: "vga.endian", version: 1 }, { big_endian_fb: bool() })),
  },
);

export type VgaCommonState = Static<typeof vgaCommonDescription>;

export const vgaDescription = vmsd(
  { name: "vga", version: 2, description: "PCI VGA (hw/display/vga-pci.c)" },
  {
    dev: struct(pciDeviceDescription),
    vga: struct(vgaCommonDescription),
  },
);

export type VgaState = Static<typeof vgaDescription>;

export const vgaPlugin = definePlugin({ id: "@qber/devices:vga", description: vgaDescription });
