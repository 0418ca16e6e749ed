/**
 * The root PCI bus's interrupt bookkeeping: QEMU's `PCIBUS` vmsd, version 1
 * (hw/pci/pci.c).
 *
 * The number of interrupt lines the bus routes (4 PIRQ lines on the
 * i440FX/PIIX3 `pc` machine, 8 on the ICH9 `q35` machine; the loader
 * requires the destination's own number) and, per line, how many devices
 * currently assert it.
 */
import { array, definePlugin, i32, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

/** Interrupt lines of the `pc` machine's root bus (PIIX3 PIRQA..D). */
export const PC_PCI_NIRQ = 4;
/** Interrupt lines of the `q35` machine's root bus (ICH9 PIRQA..H). */
export const Q35_PCI_NIRQ = 8;

export const pciBusDescription = vmsd(
  { name: "PCIBUS", version: 1, description: "Root PCI bus interrupt line counters" },
  {
    /** Interrupt lines of the bus; must equal the destination's. */
    nirq: i32({ type: "int32 equal", minimum: 1, maximum: 64 }),
    /** Devices asserting each line. */
    irq_count: array(i32({ minimum: 0 }), { from: "nirq" }),
  },
);

export type PciBusState = Static<typeof pciBusDescription>;

export const pciBusPlugin = definePlugin({ id: "@qber/devices:PCIBUS", description: pciBusDescription });

/** No line asserted; `nirq` is the machine's (`PC_PCI_NIRQ` or `Q35_PCI_NIRQ`). */
export const pciBusDefaults = (nirq: number = PC_PCI_NIRQ): PciBusState => ({ nirq, irq_count: new Array<number>(nirq).fill(0) });
