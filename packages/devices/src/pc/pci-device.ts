/**
 * The generic PCI function state every PCI device embeds: QEMU's
 * `PCIDevice` vmsd, version 2 (hw/pci/pci.c).
 *
 * On the wire: the device's own vmstate version (checked by the loader to be
 * between 0 and its own), the configuration space (256 bytes for a
 * conventional function, 4096 for PCI Express: QEMU declares both under the
 * same name and sends the one the device has, hence vmdesc's `config[0]`),
 * and from version 2 the level of the four INTx pins as four be32 words.
 *
 * Every device of the `pc` and `q35` machines modelled here is a
 * conventional PCI function, so the 256-byte variant is the one sent.
 */
import { buffer, i32Le, named, opaque, since, vmsd, when } from "@qber/vmstate";
import type { Static } from "typebox";

/** Conventional configuration space size (PCI_CONFIG_SPACE_SIZE). */
export const PCI_CONFIG_SPACE_SIZE = 256;
/** PCI Express configuration space size (PCIE_CONFIG_SPACE_SIZE). */
export const PCIE_CONFIG_SPACE_SIZE = 4096;

/**
 * The four INTx levels: QEMU refuses anything but 0 or 1 per pin, which the
 * JSON pattern states on the hex form (four be32 words of 0 or 1).
 */
const irqState = Object.assign(opaque("pci irq state", 16, { description: "INTA..INTD levels, be32 0 or 1 each" }), {
  pattern: "^(0000000[01]){4}$",
});

export const pciDeviceDescription = vmsd(
  { name: "PCIDevice", version: 2, minVersion: 1, description: "Generic PCI function state (config space and INTx levels)" },
  {
    /** The device's PCI vmstate version; the loader accepts 0..2. */
    version_id: i32Le({ maximum: 2 }),
    /** Conventional configuration space (sent by every device modelled here). */
    config: named("config", buffer(PCI_CONFIG_SPACE_SIZE, { type: "pci config" })),
    /** PCI Express configuration space (sent instead by express functions; never here). */
    configExpress: when(() => false, named("config", buffer(PCIE_CONFIG_SPACE_SIZE, { type: "pci config" }))),
    irq_state: since(2, irqState),
  },
);

export type PciDeviceState = Static<typeof pciDeviceDescription>;

/** A PCI function's state from its configuration space (INTx pins low). */
export function pciDeviceState(config: Uint8Array): PciDeviceState {
  return { version_id: 2, config, irq_state: new Uint8Array(16) };
}
