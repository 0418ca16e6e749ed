/**
 * ACPI PCI hotplug register state: QEMU's `acpi_pcihp_pci_status` vmsd,
 * version 1 (hw/acpi/pcihp.c), one per hotplug-capable bus (256 buses,
 * ACPI_PCIHP_MAX_HOTPLUG_BUS), plus the bus selector and the ACPI index
 * register that PIIX4 and ICH9 send next to the array.
 *
 * `hotplug_select` picks the bus the guest talks to; QEMU checks it against
 * the bus count before every use, so any value loads safely.
 */
import { u32, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { repeat } from "./bytes.js";

/** Number of hotplug bus slots in the register array (ACPI_PCIHP_MAX_HOTPLUG_BUS). */
export const ACPI_PCIHP_MAX_HOTPLUG_BUS = 256;

export const acpiPcihpStatusDescription = vmsd(
  { name: "acpi_pcihp_pci_status", version: 1, description: "Pending hot-add (up) and hot-remove (down) slot bitmaps of one bus" },
  {
    up: u32(),
    down: u32(),
  },
);

export type AcpiPcihpStatus = Static<typeof acpiPcihpStatusDescription>;

/** All buses idle: no pending insertions or removals. */
export const acpiPcihpStatusDefaults = (): AcpiPcihpStatus[] => repeat(ACPI_PCIHP_MAX_HOTPLUG_BUS, () => ({ up: 0, down: 0 }));
