/**
 * The PIIX4 power-management function (00:01.3 on `pc`): QEMU's
 * `piix4_pm` vmsd, version 3, with the nested `gpe` and `pci_status`
 * (version 1) and the subsections `piix4_pm/memhp` and `piix4_pm/cpuhp`,
 * version 1 each (hw/acpi/piix4.c).
 *
 * The generic PCI state, PM1 event status/enable and control registers,
 * the APM ports, the SMBus host controller, the ACPI PM timer's QEMU timer
 * and overflow time, GPE0 status/enable, and the ACPI PCI hotplug
 * registers; memory and CPU hotplug controllers in subsections.
 *
 * Several fields are sent depending on the machine's configuration, not
 * on the state: the SMBus controller (SMBus enabled and migrated, as on
 * every `pc-i440fx` machine since 2.x), the hotplug registers in the form
 * of the ACPI PCI hotplug with bridge support (QEMU's default) and the
 * ACPI index register (sent whenever hotplug is on). The description
 * fixes those to what the `pc-i440fx-7.2` machine sends; the single
 * legacy `pci_status` block of machines without bridge hotplug is never
 * sent.
 */
import { array, definePlugin, i64, named, since, struct, subsection, timer, u16, u32, vmsd, when } from "@qber/vmstate";
import type { Static } from "typebox";
import { acpiPcihpStatusDefaults, acpiPcihpStatusDescription, ACPI_PCIHP_MAX_HOTPLUG_BUS } from "./acpi-pcihp.js";
import { apmDefaults, apmDescription } from "./apm.js";
import { bytesOf } from "./bytes.js";
import { cpuHotplugDescription } from "./cpu-hotplug.js";
import { memoryHotplugDefaults, memoryHotplugDescription } from "./memory-hotplug.js";
import { pciDeviceDescription, pciDeviceState } from "./pci-device.js";
import { pmSmbusDefaults, pmSmbusDescription } from "./pm-smbus.js";

/** The `pc-i440fx-7.2` configuration the on-the-wire layout depends on. */
export const PIIX4_PM_MACHINE_CONFIG = {
  /** SMBus controller present and migrated. */
  smbus: true,
  /** ACPI PCI hotplug with bridge support (property acpi-pci-hotplug-with-bridge-support). */
  hotplugBridge: true,
} as const;

const gpeDescription = vmsd(
  { name: "gpe", version: 1, description: "GPE0 status and enable registers" },
  {
    /** GPE0 status bits (two bytes, as QEMU's loader stores them). */
    sts: u16(),
    en: u16(),
  },
);

const pciStatusDescription = vmsd({ name: "pci_status", version: 1, description: "Legacy single-bus PCI hotplug status" }, { up: u32(), down: u32() });

const memhpDescription = vmsd(
  { name: "piix4_pm/memhp", version: 1, description: "Memory hotplug controller" },
  { acpi_memory_hotplug: since(1, struct(memoryHotplugDescription)) },
);

const cpuhpDescription = vmsd(
  { name: "piix4_pm/cpuhp", version: 1, description: "CPU hotplug controller (modern interface)" },
  { cpuhp_state: since(1, struct(cpuHotplugDescription)) },
);

const hotplugBridge = (): boolean => PIIX4_PM_MACHINE_CONFIG.hotplugBridge;

export const piix4PmDescription = vmsd(
  { name: "piix4_pm", version: 3, minVersion: 3, description: "PIIX4 power management function" },
  {
    parent_obj: struct(pciDeviceDescription),
    pm1_sts: named("ar.pm1.evt.sts", u16()),
    pm1_en: named("ar.pm1.evt.en", u16()),
    pm1_cnt: named("ar.pm1.cnt.cnt", u16()),
    apm: struct(apmDescription),
    smb: when((_s, version) => version >= 3 && PIIX4_PM_MACHINE_CONFIG.smbus, struct(pmSmbusDescription)),
    /** The ACPI PM timer's QEMU timer (its overflow interrupt). */
    tmr_timer: named("ar.tmr.timer", timer()),
    tmr_overflow_time: named("ar.tmr.overflow_time", i64()),
    gpe: since(2, named("ar.gpe", struct(gpeDescription))),
    legacy_pci_status: when(
      (_s, version) => version >= 2 && !hotplugBridge(),
      named("acpi_pci_hotplug.acpi_pcihp_pci_status[0x0]", struct(pciStatusDescription)),
    ),
    /** Bus the guest's hotplug register accesses refer to (checked by QEMU before use). */
    hotplug_select: when(hotplugBridge, named("acpi_pci_hotplug.hotplug_select", u32())),
    pci_status: when(hotplugBridge, named("acpi_pci_hotplug.acpi_pcihp_pci_status", array(struct(acpiPcihpStatusDescription), ACPI_PCIHP_MAX_HOTPLUG_BUS))),
    acpi_index: when(hotplugBridge, named("acpi_pci_hotplug.acpi_index", u32())),
    memhp: subsection(memhpDescription),
    cpuhp: subsection(cpuhpDescription),
  },
);

export type Piix4PmState = Static<typeof piix4PmDescription>;

export const piix4PmPlugin = definePlugin({ id: "@qber/devices:piix4_pm", description: piix4PmDescription });

/** Config space of a reset PIIX4 PM function (QEMU 7.2, `pc-i440fx-7.2`). */
const PIIX4_PM_CONFIG =
  "8680137100008002030080060000000000000000000000000000000000000000000000000000000000000000f41a0011" +
  "000000000000000000000000000100000100000000000000000000000000000000000000000000000000000000000010" +
  "000000600000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
  "01b100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
  "00000000000000000000000000000000000009";

/**
 * A reset PIIX4 PM function: the PM1 timer-overflow status bit set, PM
 * timer idle, SMBus idle with 32-byte block mode, no hotplug pending, the
 * memory hotplug controller present (as QEMU 7.2 always sends it).
 */
export const piix4PmDefaults = (): Piix4PmState => ({
  parent_obj: pciDeviceState(bytesOf(256, PIIX4_PM_CONFIG)),
  pm1_sts: 1,
  pm1_en: 0,
  pm1_cnt: 0,
  apm: apmDefaults(),
  smb: pmSmbusDefaults(2),
  tmr_timer: -1n,
  tmr_overflow_time: 0n,
  gpe: { sts: 0, en: 0 },
  hotplug_select: 0,
  pci_status: acpiPcihpStatusDefaults(),
  acpi_index: 0,
  memhp: { acpi_memory_hotplug: memoryHotplugDefaults() },
});
