/**
 * Nested vmsds that several QEMU devices embed (QEMU's PCIDevice, the IDE
 * bus and drives, AHCI ports, the PS/2 queue, ACPI blocks, …). A plugin of
 * your own embeds them with `struct()` rather than redefining them.
 */
export { ACPI_PCIHP_MAX_HOTPLUG_BUS, acpiPcihpStatusDescription, type AcpiPcihpStatus } from "./pc/acpi-pcihp.js";
export { ahciDescriptionFor, ahciPortDescription, type AhciPortState, ncqStateDescription } from "./pc/ahci.js";
export { apmDescription, type ApmState } from "./pc/apm.js";
export { cpuHotplugDescription, cpuHotplugDeviceDescription, type CpuHotplugState } from "./pc/cpu-hotplug.js";
export { ich9PmDescription, type Ich9PmState } from "./pc/ich9-pm.js";
export { ideBmdmaDescription, type IdeBmdmaState } from "./pc/ide-bmdma.js";
export { ideBusDescription, type IdeBusState } from "./pc/ide-bus.js";
export { ideDriveDescription, type IdeDriveState } from "./pc/ide-drive.js";
export { memoryHotplugDescription, memoryHotplugDeviceDescription, type MemoryHotplugState } from "./pc/memory-hotplug.js";
export { PCI_CONFIG_SPACE_SIZE, PCIE_CONFIG_SPACE_SIZE, pciDeviceDescription, type PciDeviceState } from "./pc/pci-device.js";
export { pmSmbusDescription, type PmSmbusState } from "./pc/pm-smbus.js";
export { ps2CommonDescription, type Ps2CommonState } from "./pc/ps2-common.js";
export { tcoDescription, type TcoState } from "./pc/tco.js";
export { pcieDeviceDescription } from "./addons/e1000e.js";
export { fifo8Description } from "./addons/serial.js";
