/**
 * The firmware configuration interface: QEMU's `fw_cfg` vmsd, version 2,
 * with subsections `fw_cfg/dma` (version 0) and `fw_cfg/acpi_mr`
 * (version 1) (hw/nvram/fw_cfg.c).
 *
 * The selected item and the read offset into it; the DMA descriptor
 * address of the DMA interface; and the sizes of the ACPI blobs (tables,
 * linker script, RSDP) the firmware was given, which the destination must
 * match. Version 1 streams sent the offset as 16 bits; QEMU declares both
 * forms under one name, hence vmdesc's `cur_offset[1]`.
 *
 * `cur_entry` selects an item; QEMU masks it and checks it against the item
 * count when reading, and checks the offset against the item's length, so
 * neither indexes memory unchecked.
 */
import { definePlugin, named, since, subsection, u16, u32, u64, vmsd, when } from "@qber/vmstate";
import type { Static } from "typebox";

const dmaDescription = vmsd({ name: "fw_cfg/dma", version: 0, description: "fw_cfg DMA interface" }, { dma_addr: u64() });

const acpiMrDescription = vmsd(
  { name: "fw_cfg/acpi_mr", version: 1, description: "Sizes of the ACPI blobs handed to the firmware" },
  { table_mr_size: u64(), linker_mr_size: u64(), rsdp_mr_size: u64() },
);

export const fwCfgDescription = vmsd(
  { name: "fw_cfg", version: 2, minVersion: 1, description: "Firmware configuration interface" },
  {
    /** Selected item (FW_CFG_INVALID 0xffff when none). */
    cur_entry: u16(),
    /** Read offset as version 1 sent it (16 bits). */
    cur_offset_v1: when((_s, version) => version === 1, named("cur_offset", u16({ type: "uint16", as: "uint32_t" }))),
    /** Read offset into the selected item. */
    cur_offset: since(2, u32()),
    dma: subsection(dmaDescription),
    acpi_mr: subsection(acpiMrDescription),
  },
);

export type FwCfgState = Static<typeof fwCfgDescription>;

export const fwCfgPlugin = definePlugin({ id: "@qber/devices:fw_cfg", description: fwCfgDescription });

/**
 * After reset nothing is selected. The ACPI blob sizes are those QEMU 7.2
 * builds for the default `pc` and `q35` machines (the 128 KiB table blob,
 * a one-page linker script, the 20-byte ACPI 1.0 RSDP); the DMA interface
 * is enabled on both.
 */
export const fwCfgDefaults = (): FwCfgState => ({
  cur_entry: 0,
  cur_offset: 0,
  dma: { dma_addr: 0n },
  acpi_mr: { table_mr_size: 0x20000n, linker_mr_size: 0x1000n, rsdp_mr_size: 20n },
});
