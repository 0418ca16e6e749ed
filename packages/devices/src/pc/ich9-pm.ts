/**
 * The ICH9 power-management block inside the LPC bridge: QEMU's `ich9_pm`
 * vmsd, version 1, with subsections `ich9_pm/memhp`, `ich9_pm/tco`,
 * `ich9_pm/cpuhp` and `ich9_pm/pcihp`, version 1 each (hw/acpi/ich9.c).
 *
 * PM1 event status/enable and control, the ACPI PM timer's QEMU timer and
 * overflow time, the GPE0 status/enable bytes, SMI enable and status; in
 * subsections the memory hotplug controller, the TCO watchdog, the modern
 * CPU hotplug controller and the ACPI PCI hotplug registers.
 */
import { array, i64, named, since, struct, subsection, timer, u16, u32, u8Array, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { acpiPcihpStatusDefaults, acpiPcihpStatusDescription, ACPI_PCIHP_MAX_HOTPLUG_BUS } from "./acpi-pcihp.js";
import { zeros } from "./bytes.js";
import { cpuHotplugDescription } from "./cpu-hotplug.js";
import { memoryHotplugDefaults, memoryHotplugDescription } from "./memory-hotplug.js";
import { tcoDefaults, tcoDescription } from "./tco.js";

/** Bytes of each of the GPE0 status and enable blocks (ICH9_PMIO_GPE0_LEN / 2). */
export const ICH9_GPE0_HALF_LEN = 16;

const memhpDescription = vmsd(
  { name: "ich9_pm/memhp", version: 1, description: "Memory hotplug controller" },
  { acpi_memory_hotplug: since(1, struct(memoryHotplugDescription)) },
);

const tcoSubDescription = vmsd({ name: "ich9_pm/tco", version: 1, description: "TCO watchdog" }, { tco_regs: since(1, struct(tcoDescription)) });

const cpuhpDescription = vmsd(
  { name: "ich9_pm/cpuhp", version: 1, description: "CPU hotplug controller (modern interface)" },
  { cpuhp_state: since(1, struct(cpuHotplugDescription)) },
);

const pcihpDescription = vmsd(
  { name: "ich9_pm/pcihp", version: 1, description: "ACPI PCI hotplug registers" },
  {
    hotplug_select: named("acpi_pci_hotplug.hotplug_select", u32()),
    pci_status: since(1, named("acpi_pci_hotplug.acpi_pcihp_pci_status", array(struct(acpiPcihpStatusDescription), ACPI_PCIHP_MAX_HOTPLUG_BUS))),
    acpi_index: named("acpi_pci_hotplug.acpi_index", u32()),
  },
);

export const ich9PmDescription = vmsd(
  { name: "ich9_pm", version: 1, description: "ICH9 ACPI power management" },
  {
    pm1_sts: named("acpi_regs.pm1.evt.sts", u16()),
    pm1_en: named("acpi_regs.pm1.evt.en", u16()),
    pm1_cnt: named("acpi_regs.pm1.cnt.cnt", u16()),
    tmr_timer: named("acpi_regs.tmr.timer", timer()),
    tmr_overflow_time: named("acpi_regs.tmr.overflow_time", i64()),
    gpe_sts: named("acpi_regs.gpe.sts", u8Array(ICH9_GPE0_HALF_LEN)),
    gpe_en: named("acpi_regs.gpe.en", u8Array(ICH9_GPE0_HALF_LEN)),
    smi_en: u32(),
    smi_sts: u32(),
    memhp: subsection(memhpDescription),
    tco: subsection(tcoSubDescription),
    cpuhp: subsection(cpuhpDescription),
    pcihp: subsection(pcihpDescription),
  },
);

export type Ich9PmState = Static<typeof ich9PmDescription>;

/**
 * A reset ICH9 PM block: timer-overflow status set, PM timer idle, and the
 * memory hotplug, TCO and PCI hotplug subsections QEMU 7.2 sends on
 * `pc-q35-7.2` (the CPU hotplug controller stays in legacy mode).
 */
export const ich9PmDefaults = (): Ich9PmState => ({
  pm1_sts: 1,
  pm1_en: 0,
  pm1_cnt: 0,
  tmr_timer: -1n,
  tmr_overflow_time: 0n,
  gpe_sts: zeros(ICH9_GPE0_HALF_LEN),
  gpe_en: zeros(ICH9_GPE0_HALF_LEN),
  smi_en: 0,
  smi_sts: 0,
  memhp: { acpi_memory_hotplug: memoryHotplugDefaults() },
  tco: { tco_regs: tcoDefaults() },
  pcihp: { hotplug_select: 0, pci_status: acpiPcihpStatusDefaults(), acpi_index: 0 },
});
