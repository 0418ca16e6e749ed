/**
 * The PIIX3 PCI-to-ISA bridge (00:01.0 on `pc`): QEMU's `PIIX3` vmsd,
 * version 3, with subsection `PIIX3/rcr`, version 1 (hw/isa/piix3.c).
 *
 * The generic PCI state (config space holds the PIRQ routing registers),
 * from version 3 the level of each of the four PCI interrupt lines as the
 * bridge sees them, and the reset control register when it is non-zero.
 */
import { array, definePlugin, i32, since, struct, subsection, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { bytesOf } from "./bytes.js";
import { pciDeviceDescription, pciDeviceState } from "./pci-device.js";

const rcrDescription = vmsd({ name: "PIIX3/rcr", version: 1, description: "Reset control register (0xcf9)" }, { rcr: u8() });

export const piix3Description = vmsd(
  { name: "PIIX3", version: 3, minVersion: 2, description: "PIIX3 PCI-to-ISA bridge" },
  {
    dev: struct(pciDeviceDescription),
    /** Level of PCI interrupt lines PIRQA..D as seen by the bridge. */
    pci_irq_levels_vmstate: since(3, array(i32(), 4)),
    /** Sent when the reset control register is non-zero. */
    rcr: subsection(rcrDescription, { needed: (s) => ((s["rcr"] as { rcr?: number } | undefined)?.rcr ?? 0) !== 0 }),
  },
);

export type Piix3State = Static<typeof piix3Description>;

export const piix3Plugin = definePlugin({ id: "@qber/devices:PIIX3", description: piix3Description });

export const piix3Defaults = (): Piix3State => ({
  dev: pciDeviceState(bytesOf(256, PIIX3_CONFIG)),
  pci_irq_levels_vmstate: [0, 0, 0, 0],
});

/** Config space of a reset PIIX3 (QEMU 7.2, `pc-i440fx-7.2`). */
const PIIX3_CONFIG =
  "8680007000000002000001060000800000000000000000000000000000000000000000000000000000000000f41a0011" +
  "000000000000000000000000000000000000000000000000000000004d00030000000000000000000000000000000000" +
  "808080800000000000020000000000008000000000000c0c020000000000000000000000000000000000000000000000" +
  "0000000000000000000000000000000008000000000000000f";
