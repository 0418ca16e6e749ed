/**
 * ACPI memory hotplug controller: QEMU's `memory hotplug state` vmsd,
 * version 1, with its per-slot `memory hotplug device state`, version 1
 * (hw/acpi/memory_hotplug.c).
 *
 * The per-slot array has as many entries as the machine has memory hotplug
 * slots (`-m ...,slots=N`); that count is configuration, not migrated. The
 * description here is for the default machine, which has none: QEMU then
 * sends only the slot selector. QEMU checks the selector against the slot
 * count before using it.
 */
import { array, bool, struct, u32, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

/** Memory hotplug slots of the default `pc`/`q35` machine (`-m` without `slots=`). */
export const DEFAULT_MEMORY_SLOTS = 0;

export const memoryHotplugDeviceDescription = vmsd(
  { name: "memory hotplug device state", version: 1, description: "One memory hotplug slot" },
  {
    is_enabled: bool(),
    is_inserting: bool(),
    ost_event: u32(),
    ost_status: u32(),
  },
);

export const memoryHotplugDescription = vmsd(
  { name: "memory hotplug state", version: 1, description: "ACPI memory hotplug controller" },
  {
    /** Slot the guest's register accesses refer to. */
    selector: u32(),
    devs: array(struct(memoryHotplugDeviceDescription), DEFAULT_MEMORY_SLOTS),
  },
);

export type MemoryHotplugState = Static<typeof memoryHotplugDescription>;

export const memoryHotplugDefaults = (): MemoryHotplugState => ({ selector: 0, devs: [] });
