/**
 * The ICH9 SMBus controller (00:1f.3 on `q35`): QEMU's `ich9_smb` vmsd,
 * version 1 (hw/i2c/smbus_ich9.c).
 *
 * The generic PCI state, whether its interrupt is enabled, and the PM SMBus
 * host controller. QEMU sends the last two only on machine types that
 * migrate SMBus state (every `pc-q35` type from 2.x on, so `pc-q35-7.2`
 * does); the description fixes that.
 */
import { bool, definePlugin, struct, vmsd, when } from "@qber/vmstate";
import type { Static } from "typebox";
import { bytesOf } from "./bytes.js";
import { pciDeviceDescription, pciDeviceState } from "./pci-device.js";
import { pmSmbusDefaults, pmSmbusDescription } from "./pm-smbus.js";

/** `pc-q35-7.2` migrates the SMBus controller state. */
const smbusMigrated = (): boolean => true;

export const ich9SmbDescription = vmsd(
  { name: "ich9_smb", version: 1, description: "ICH9 SMBus controller" },
  {
    dev: struct(pciDeviceDescription),
    irq_enabled: when(smbusMigrated, bool()),
    smb: when(smbusMigrated, struct(pmSmbusDescription)),
  },
);

export type Ich9SmbState = Static<typeof ich9SmbDescription>;

export const ich9SmbPlugin = definePlugin({ id: "@qber/devices:ich9_smb", description: ich9SmbDescription });

/** Config space of a reset ICH9 SMBus function (QEMU 7.2, `pc-q35-7.2`). */
const ICH9_SMB_CONFIG = "86803029000000000200050c0000800000000000000000000000000000000000010000000000000000000000f41a0011" + "0000000000000000000000000001";

/** A reset ICH9 SMBus controller: interrupt disabled, host controller idle. */
export const ich9SmbDefaults = (): Ich9SmbState => ({
  dev: pciDeviceState(bytesOf(256, ICH9_SMB_CONFIG)),
  irq_enabled: false,
  smb: pmSmbusDefaults(0),
});
