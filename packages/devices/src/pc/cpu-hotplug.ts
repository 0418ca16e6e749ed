/**
 * ACPI CPU hotplug controller (the "modern" interface): QEMU's `CPU hotplug
 * state` vmsd, version 1, with its per-CPU `CPU hotplug device state`,
 * version 1 (hw/acpi/cpu.c). Sent by PIIX4 and ICH9 only once the guest has
 * switched from the legacy CPU hotplug interface to this one.
 *
 * The per-CPU array has one entry per possible CPU (`-smp maxcpus`); the
 * description is for the default single-CPU machine. QEMU checks the
 * selector against the CPU count before using it.
 */
import { array, bool, struct, u32, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

/** Possible CPUs of the default machine (`-smp 1`). */
export const DEFAULT_POSSIBLE_CPUS = 1;

export const cpuHotplugDeviceDescription = vmsd(
  { name: "CPU hotplug device state", version: 1, description: "One possible CPU" },
  {
    is_inserting: bool(),
    is_removing: bool(),
    ost_event: u32(),
    ost_status: u32(),
  },
);

export const cpuHotplugDescription = vmsd(
  { name: "CPU hotplug state", version: 1, description: "ACPI CPU hotplug controller" },
  {
    selector: u32(),
    command: u8(),
    devs: array(struct(cpuHotplugDeviceDescription), DEFAULT_POSSIBLE_CPUS),
  },
);

export type CpuHotplugState = Static<typeof cpuHotplugDescription>;
