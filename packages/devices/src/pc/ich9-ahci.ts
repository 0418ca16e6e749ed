/**
 * The ICH9 AHCI controller (00:1f.2 on `q35`): QEMU's `ich9_ahci` vmsd,
 * version 1 (hw/ide/ich.c, with the HBA state of hw/ide/ahci.c).
 *
 * The generic PCI state and the six-port AHCI HBA.
 */
import { definePlugin, struct, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { ahciDefaults, ahciDescriptionFor } from "./ahci.js";
import { bytesOf } from "./bytes.js";
import { pciDeviceDescription, pciDeviceState } from "./pci-device.js";

/** Ports of the ICH9 AHCI controller. */
export const ICH9_AHCI_PORTS = 6;

export const ich9AhciHbaDescription = ahciDescriptionFor(ICH9_AHCI_PORTS);

export const ich9AhciDescription = vmsd(
  { name: "ich9_ahci", version: 1, minVersion: 0, description: "ICH9 AHCI SATA controller" },
  {
    parent_obj: struct(pciDeviceDescription),
    ahci: struct(ich9AhciHbaDescription),
  },
);

export type Ich9AhciState = Static<typeof ich9AhciDescription>;

export const ich9AhciPlugin = definePlugin({ id: "@qber/devices:ich9_ahci", description: ich9AhciDescription });

/** Config space of a reset ICH9 AHCI function (QEMU 7.2, `pc-q35-7.2`). */
const ICH9_AHCI_CONFIG =
  "8680222900001000020106010000800000000000000000000000000000000000010000000000000000000000f41a0011" +
  "000000008000000000000000000100000000000000000000000000000000000000000000000000000000000000000000" +
  "000000000000000000000000000000000000000000000000000000000000000005a88000000000000000000000000000" +
  "4000000000000000000000000000000000000000000000001200100048";

/** A reset ICH9 AHCI controller with no disks. */
export const ich9AhciDefaults = (): Ich9AhciState => ({
  parent_obj: pciDeviceState(bytesOf(256, ICH9_AHCI_CONFIG)),
  ahci: ahciDefaults(ICH9_AHCI_PORTS),
});
