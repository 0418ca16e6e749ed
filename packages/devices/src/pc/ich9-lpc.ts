/**
 * The ICH9 LPC bridge (00:1f.0 on `q35`): QEMU's `ICH9LPC` vmsd, version
 * 1, with subsections `ICH9LPC/rst_cnt` and `ICH9LPC/smi_feat`, version 1
 * each (hw/isa/lpc_ich9.c).
 *
 * The generic PCI state (config space holds the PIRQ routing, GPIO/PM
 * bases and root complex base), the APM ports, the power-management block
 * (`ich9_pm`), the 16 KiB chipset configuration registers (RCRB), the SCI
 * level; the reset control register when non-zero and the SMI features the
 * firmware negotiated (broadcast SMI, CPU hotplug) when any.
 */
import { definePlugin, struct, subsection, u32, u64, u8, u8Array, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { apmDefaults, apmDescription } from "./apm.js";
import { bytesOf } from "./bytes.js";
import { ich9PmDefaults, ich9PmDescription } from "./ich9-pm.js";
import { pciDeviceDescription, pciDeviceState } from "./pci-device.js";

/** Bytes of the chipset configuration register block (ICH9_CC_SIZE). */
export const ICH9_CC_SIZE = 16 * 1024;

const rstCntDescription = vmsd({ name: "ICH9LPC/rst_cnt", version: 1, description: "Reset control register (0xcf9)" }, { rst_cnt: u8() });

const smiFeatDescription = vmsd(
  { name: "ICH9LPC/smi_feat", version: 1, description: "SMI features offered to and negotiated by the firmware" },
  {
    /** Features the guest asked for, little-endian. */
    smi_guest_features_le: u8Array(8),
    smi_features_ok: u8({ maximum: 1 }),
    smi_negotiated_features: u64(),
  },
);

export const ich9LpcDescription = vmsd(
  { name: "ICH9LPC", version: 1, description: "ICH9 LPC bridge" },
  {
    d: struct(pciDeviceDescription),
    apm: struct(apmDescription),
    pm: struct(ich9PmDescription),
    chip_config: u8Array(ICH9_CC_SIZE),
    /** Level of the SCI interrupt line. */
    sci_level: u32({ maximum: 1 }),
    /** Sent when the reset control register is non-zero. */
    rst_cnt: subsection(rstCntDescription, { needed: (s) => ((s["rst_cnt"] as { rst_cnt?: number } | undefined)?.rst_cnt ?? 0) !== 0 }),
    smi_feat: subsection(smiFeatDescription),
  },
);

export type Ich9LpcState = Static<typeof ich9LpcDescription>;

export const ich9LpcPlugin = definePlugin({ id: "@qber/devices:ICH9LPC", description: ich9LpcDescription });

/** Config space of a reset ICH9 LPC bridge (QEMU 7.2, `pc-q35-7.2`). */
const ICH9_LPC_CONFIG =
  "8680182900000000020001060000800000000000000000000000000000000000000000000000000000000000f41a0011" +
  "000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000" +
  "808080800000000080808080";

/**
 * The chipset configuration block after reset: every device's interrupt
 * route register (D31IR..D25IR at 0x3140..0x3150) maps INTA..INTD to
 * PIRQA..D, and the general control register (0x3410) has "no reboot"
 * clear and the top-swap strap set as QEMU resets it.
 */
function ich9ChipConfigDefaults(): Uint8Array {
  const cc = bytesOf(ICH9_CC_SIZE);
  for (const offset of [0x3140, 0x3144, 0x3146, 0x3148, 0x314c, 0x3150]) {
    cc[offset] = 0x10;
    cc[offset + 1] = 0x32;
  }
  cc[0x3410] = 0x20;
  return cc;
}

/** A reset ICH9 LPC bridge of `pc-q35-7.2`. */
export const ich9LpcDefaults = (): Ich9LpcState => ({
  d: pciDeviceState(bytesOf(256, ICH9_LPC_CONFIG)),
  apm: apmDefaults(),
  pm: ich9PmDefaults(),
  chip_config: ich9ChipConfigDefaults(),
  sci_level: 0,
});
