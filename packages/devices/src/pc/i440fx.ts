/**
 * The i440FX host bridge's PCI function (00:00.0): QEMU's `I440FX` vmsd,
 * version 3 (hw/pci-host/i440fx.c).
 *
 * Only the generic PCI state (its config space holds the PAM and SMRAM
 * registers QEMU re-applies after loading) and a retired byte that once
 * held the SMM enable flag.
 */
import { definePlugin, struct, unused, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { bytesOf, zeros } from "./bytes.js";
import { pciDeviceDescription, pciDeviceState } from "./pci-device.js";

export const i440fxDescription = vmsd(
  { name: "I440FX", version: 3, description: "i440FX PMC host bridge function" },
  {
    parent_obj: struct(pciDeviceDescription),
    /** Retired SMM-enable byte, always zero. */
    unused: unused(1),
  },
);

export type I440fxState = Static<typeof i440fxDescription>;

export const i440fxPlugin = definePlugin({ id: "@qber/devices:I440FX", description: i440fxDescription });

export const i440fxDefaults = (): I440fxState => ({
  parent_obj: pciDeviceState(bytesOf(256, I440FX_CONFIG)),
  unused: zeros(1),
});

/** Config space of a reset i440FX (QEMU 7.2, `pc-i440fx-7.2`). */
const I440FX_CONFIG =
  "8680371200000000020000060000000000000000000000000000000000000000000000000000000000000000f41a0011" +
  "000000000000000000000000000000000000000000000000000000000000000000000000000000040000000000000000" +
  "00000000000000000000000000000000000002";
