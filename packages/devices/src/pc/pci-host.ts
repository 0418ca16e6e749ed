/**
 * The host bridge's configuration-address register (port 0xcf8): QEMU's
 * `PCIHost` vmsd, version 1 (hw/pci/pci_host.c), sent by the i440FX and
 * Q35 host bridges.
 */
import { definePlugin, u32, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

export const pciHostDescription = vmsd(
  { name: "PCIHost", version: 1, description: "PCI configuration address register (0xcf8)" },
  {
    /** Last value the guest wrote to 0xcf8: enable bit, bus, device, function, register. */
    config_reg: u32(),
  },
);

export type PciHostState = Static<typeof pciHostDescription>;

export const pciHostPlugin = definePlugin({ id: "@qber/devices:PCIHost", description: pciHostDescription });

export const pciHostDefaults = (): PciHostState => ({ config_reg: 0 });
