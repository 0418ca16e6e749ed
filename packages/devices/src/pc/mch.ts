/**
 * The Q35 memory controller hub's PCI function (00:00.0 on `q35`): QEMU's
 * `mch` vmsd, version 1 (hw/pci-host/q35.c).
 *
 * Only the generic PCI state (its config space holds PCIEXBAR, PAM, SMRAM
 * and TSEG registers that QEMU re-applies after loading) and a retired
 * byte once used for the SMM enable flag.
 */
import { definePlugin, struct, unused, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { bytesOf, zeros } from "./bytes.js";
import { pciDeviceDescription, pciDeviceState } from "./pci-device.js";

export const mchDescription = vmsd(
  { name: "mch", version: 1, description: "Q35 MCH host bridge function" },
  {
    parent_obj: struct(pciDeviceDescription),
    /** Retired SMM-enable byte, always zero. */
    unused: unused(1),
  },
);

export type MchState = Static<typeof mchDescription>;

export const mchPlugin = definePlugin({ id: "@qber/devices:mch", description: mchDescription });

export const mchDefaults = (): MchState => ({
  parent_obj: pciDeviceState(bytesOf(256, MCH_CONFIG)),
  unused: zeros(1),
});

/** Config space of a reset MCH (QEMU 7.2, `pc-q35-7.2`). */
const MCH_CONFIG =
  "8680c02900000000000000060000000000000000000000000000000000000000000000000000000000000000f41a0011" +
  "000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000" +
  "000000b00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
  "000000000000000000000000000238";
