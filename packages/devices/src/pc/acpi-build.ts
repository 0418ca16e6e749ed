/**
 * Whether the firmware has read the ACPI tables (after which QEMU must not
 * rebuild them differently): QEMU's `acpi_build` vmsd, version 1
 * (hw/i386/acpi-build.c).
 */
import { definePlugin, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

export const acpiBuildDescription = vmsd({ name: "acpi_build", version: 1, description: "ACPI tables patched flag" }, { patched: u8({ maximum: 1 }) });

export type AcpiBuildState = Static<typeof acpiBuildDescription>;

export const acpiBuildPlugin = definePlugin({ id: "@qber/devices:acpi_build", description: acpiBuildDescription });

export const acpiBuildDefaults = (): AcpiBuildState => ({ patched: 0 });
