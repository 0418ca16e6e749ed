/**
 * `-M q35 -m SIZE -nodefaults` in QEMU 7.2 (machine type `pc-q35-7.2`,
 * Q35 MCH + ICH9 (LPC 00:1f.0, AHCI 00:1f.2, SMBus 00:1f.3), no floppy controller; TCG, one vCPU): the stream layout, taken from
 * fixtures/qemu-7.2/q35-paused.mig. The RAM section
 * (id 2, `ram` v4) comes first, then the device sections below in this
 * order; ids [1,3,30,31,32,33,34,35,36,37] are handlers QEMU registers
 * without sending anything for this configuration (block migration, dirty
 * bitmaps, and handlers whose devices are absent or have nothing to save).
 * Add-on devices (`-device ...`) append their sections before
 * `acpi_build` with the next ids (see pc-addons.mig: serial 39 ...
 * uhci 45, then acpi_build 46, globalstate 47), and their RAM blocks
 * (e.g. `0000:00:02.0/vga.vram` after pc.ram, `.../vga.rom` after pc.rom).
 */
import { acpiBuildDefaults, acpiBuildPlugin } from "../pc/acpi-build.js";
import { apicDefaults, apicPlugin } from "../x86/apic.js";
import { cpuCommonDefaults, cpuCommonPlugin } from "../x86/cpu-common.js";
import { dmaDefaults, dmaPlugin } from "../pc/i8257.js";
import { fwCfgDefaults, fwCfgPlugin } from "../pc/fw-cfg.js";
import { globalStateDefaults, globalStatePlugin } from "../pc/global-state.js";
import { hpetDefaults, hpetPlugin } from "../pc/hpet.js";
import { i2cBusDefaults, i2cBusPlugin } from "../pc/i2c-bus.js";
import { i8254Defaults, i8254Plugin } from "../pc/i8254.js";
import { i8259Defaults, i8259Plugin } from "../pc/i8259.js";
import { ich9AhciDefaults, ich9AhciPlugin } from "../pc/ich9-ahci.js";
import { ich9LpcDefaults, ich9LpcPlugin } from "../pc/ich9-lpc.js";
import { ich9SmbDefaults, ich9SmbPlugin } from "../pc/ich9-smb.js";
import { ioapicDefaults, ioapicPlugin } from "../pc/ioapic.js";
import { kvmTprOptDefaults, kvmTprOptPlugin } from "../x86/kvm-tpr-opt.js";
import { mc146818rtcDefaults, mc146818rtcPlugin } from "../pc/mc146818rtc.js";
import { mchDefaults, mchPlugin } from "../pc/mch.js";
import { Q35_PCI_NIRQ, pciBusDefaults, pciBusPlugin } from "../pc/pci-bus.js";
import { pciHostDefaults, pciHostPlugin } from "../pc/pci-host.js";
import { pckbdDefaults, pckbdPlugin } from "../pc/pckbd.js";
import { pcspkDefaults, pcspkPlugin } from "../pc/pcspk.js";
import { port92Defaults, port92Plugin } from "../pc/port92.js";
import { ps2kbdDefaults, ps2kbdPlugin } from "../pc/ps2kbd.js";
import { ps2mouseDefaults, ps2mousePlugin } from "../pc/ps2mouse.js";
import { timerDefaults, timerPlugin } from "../pc/timer.js";
import { vmmouseDefaults, vmmousePlugin } from "../pc/vmmouse.js";
import { x86CpuDefaults, x86CpuPlugin } from "../x86/x86-cpu.js";
import { section, x86RamBlocks, type MachineSpec } from "./machine.js";

export const q35Machine: MachineSpec = {
  alias: "q35",
  machineType: "pc-q35-7.2",
  configurationSubsections: [],
  commandLine: ["-M", "q35", "-nodefaults", "-accel", "tcg"],
  ramSection: { sectionId: 2, idstr: "ram", instanceId: 0, version: 4 },
  ramBlocks: x86RamBlocks,
  sections: [
    section(0, "timer", 2, timerPlugin, () => timerDefaults()),
    section(4, "cpu_common", 1, cpuCommonPlugin, () => cpuCommonDefaults()),
    section(5, "cpu", 12, x86CpuPlugin, () => x86CpuDefaults()),
    section(6, "kvm-tpr-opt", 1, kvmTprOptPlugin, () => kvmTprOptDefaults()),
    section(7, "apic", 3, apicPlugin, () => apicDefaults()),
    section(8, "fw_cfg", 2, fwCfgPlugin, () => fwCfgDefaults()),
    section(9, "0000:00:00.0/mch", 1, mchPlugin, () => mchDefaults()),
    section(10, "PCIHost", 1, pciHostPlugin, () => pciHostDefaults()),
    section(11, "PCIBUS", 1, pciBusPlugin, () => pciBusDefaults(Q35_PCI_NIRQ)),
    section(12, "dma", 1, dmaPlugin, () => dmaDefaults(0)),
    section(13, "dma", 1, dmaPlugin, () => dmaDefaults(1), 1),
    section(14, "0000:00:1f.0/ICH9LPC", 1, ich9LpcPlugin, () => ich9LpcDefaults()),
    section(15, "i8259", 1, i8259Plugin, () => i8259Defaults()),
    section(16, "i8259", 1, i8259Plugin, () => i8259Defaults(), 1),
    section(17, "ioapic", 3, ioapicPlugin, () => ioapicDefaults()),
    section(18, "hpet", 2, hpetPlugin, () => hpetDefaults("q35")),
    section(19, "mc146818rtc", 3, mc146818rtcPlugin, (c) => mc146818rtcDefaults(c.now)),
    section(20, "i8254", 3, i8254Plugin, () => i8254Defaults()),
    section(21, "pcspk", 1, pcspkPlugin, () => pcspkDefaults()),
    section(22, "ps2kbd", 3, ps2kbdPlugin, () => ps2kbdDefaults()),
    section(23, "ps2mouse", 2, ps2mousePlugin, () => ps2mouseDefaults()),
    section(24, "pckbd", 3, pckbdPlugin, () => pckbdDefaults()),
    section(25, "vmmouse", 0, vmmousePlugin, () => vmmouseDefaults()),
    section(26, "port92", 1, port92Plugin, () => port92Defaults()),
    section(27, "0000:00:1f.2/ich9_ahci", 1, ich9AhciPlugin, () => ich9AhciDefaults()),
    section(28, "i2c_bus", 1, i2cBusPlugin, () => i2cBusDefaults()),
    section(29, "0000:00:1f.3/ich9_smb", 1, ich9SmbPlugin, () => ich9SmbDefaults()),
    section(38, "acpi_build", 1, acpiBuildPlugin, () => acpiBuildDefaults()),
    section(39, "globalstate", 1, globalStatePlugin, () => globalStateDefaults()),
  ],
  pageSize: 4096,
  unsentSectionIds: [1, 3, 30, 31, 32, 33, 34, 35, 36, 37],
};
