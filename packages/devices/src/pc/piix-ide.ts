/**
 * The PIIX3 IDE function (00:01.1 on `pc`): QEMU's PCI IDE `ide` vmsd,
 * version 3 (hw/ide/pci.c; the PIIX device is hw/ide/piix.c).
 *
 * The generic PCI state, the two bus-master DMA engines, the two channels
 * and their four drives (primary master/slave, then secondary).
 */
import { array, definePlugin, named, struct, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { bytesOf, repeat } from "./bytes.js";
import { ideBmdmaDefaults, ideBmdmaDescription } from "./ide-bmdma.js";
import { ideBusDefaults, ideBusDescription } from "./ide-bus.js";
import { ideDriveDefaults, ideDriveDescription } from "./ide-drive.js";
import { pciDeviceDescription, pciDeviceState } from "./pci-device.js";

export const piixIdeDescription = vmsd(
  { name: "ide", version: 3, minVersion: 0, description: "PIIX PCI IDE function" },
  {
    parent_obj: struct(pciDeviceDescription),
    bmdma: array(struct(ideBmdmaDescription), 2),
    bus: array(struct(ideBusDescription), 2),
    primary: named("bus[0].ifs", array(struct(ideDriveDescription), 2)),
    secondary: named("bus[1].ifs", array(struct(ideDriveDescription), 2)),
  },
);

export type PiixIdeState = Static<typeof piixIdeDescription>;

export const piixIdePlugin = definePlugin({ id: "@qber/devices:ide", description: piixIdeDescription });

/** A reset PIIX IDE function with no drives attached. */
export const piixIdeDefaults = (): PiixIdeState => ({
  parent_obj: pciDeviceState(bytesOf(256, PIIX_IDE_CONFIG)),
  bmdma: repeat(2, ideBmdmaDefaults),
  bus: repeat(2, ideBusDefaults),
  primary: repeat(2, ideDriveDefaults),
  secondary: repeat(2, ideDriveDefaults),
});

/** Config space of a reset PIIX3 IDE function (QEMU 7.2, `pc-i440fx-7.2`). */
const PIIX_IDE_CONFIG = "8680107000008002008001010000000000000000000000000000000000000000010000000000000000000000f41a0011";
