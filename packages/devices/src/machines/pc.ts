/**
 * `-M pc -m SIZE -nodefaults` in QEMU 7.2 (machine type `pc-i440fx-7.2`,
 * i440FX + PIIX3 (IDE 00:01.1, ACPI PM 00:01.3), floppy controller; TCG, one vCPU): the stream layout, taken from
 * fixtures/qemu-7.2/pc-paused.mig and pc-never-run.mig. The RAM section
 * (id 2, `ram` v4) comes first, then the device sections below in this
 * order; ids [1,3,31,32,33,34,35,36,37,38] are handlers QEMU registers
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
import { fdcDefaults, fdcPlugin } from "../pc/fdc.js";
import { fwCfgDefaults, fwCfgPlugin } from "../pc/fw-cfg.js";
import { globalStateDefaults, globalStatePlugin } from "../pc/global-state.js";
import { hpetDefaults, hpetPlugin } from "../pc/hpet.js";
import { i2cBusDefaults, i2cBusPlugin } from "../pc/i2c-bus.js";
import { i440fxDefaults, i440fxPlugin } from "../pc/i440fx.js";
import { i8254Defaults, i8254Plugin } from "../pc/i8254.js";
import { i8259Defaults, i8259Plugin } from "../pc/i8259.js";
import { ioapicDefaults, ioapicPlugin } from "../pc/ioapic.js";
import { kvmTprOptDefaults, kvmTprOptPlugin } from "../x86/kvm-tpr-opt.js";
import { mc146818rtcDefaults, mc146818rtcPlugin } from "../pc/mc146818rtc.js";
import { pciBusDefaults, pciBusPlugin } from "../pc/pci-bus.js";
import { pciHostDefaults, pciHostPlugin } from "../pc/pci-host.js";
import { pckbdDefaults, pckbdPlugin } from "../pc/pckbd.js";
import { pcspkDefaults, pcspkPlugin } from "../pc/pcspk.js";
import { piix3Defaults, piix3Plugin } from "../pc/piix3.js";
import { piix4PmDefaults, piix4PmPlugin } from "../pc/piix4-pm.js";
import { piixIdeDefaults, piixIdePlugin } from "../pc/piix-ide.js";
import { port92Defaults, port92Plugin } from "../pc/port92.js";
import { ps2kbdDefaults, ps2kbdPlugin } from "../pc/ps2kbd.js";
import { ps2mouseDefaults, ps2mousePlugin } from "../pc/ps2mouse.js";
import { timerDefaults, timerPlugin } from "../pc/timer.js";
import { vmmouseDefaults, vmmousePlugin } from "../pc/vmmouse.js";
import { x86CpuDefaults, x86CpuPlugin } from "../x86/x86-cpu.js";
import { section, x86RamBlocks, type MachineSpec } from "./machine.js";

export const pcMachine: MachineSpec = {
  alias: "pc",
  machineType: "pc-i440fx-7.2",
  configurationSubsections: [],
  commandLine: ["-M", "pc", "-nodefaults", "-accel", "tcg"],
  ramSection: { sectionId: 2, idstr: "ram", instanceId: 0, version: 4 },
  ramBlocks: x86RamBlocks,
  sections: [
    section(0, "timer", 2, timerPlugin, () => timerDefaults()),
    section(4, "cpu_common", 1, cpuCommonPlugin, () => cpuCommonDefaults()),
    section(5, "cpu", 12, x86CpuPlugin, () => x86CpuDefaults()),
    section(6, "kvm-tpr-opt", 1, kvmTprOptPlugin, () => kvmTprOptDefaults()),
    section(7, "apic", 3, apicPlugin, () => apicDefaults()),
    section(8, "fw_cfg", 2, fwCfgPlugin, () => fwCfgDefaults()),
    section(9, "PCIHost", 1, pciHostPlugin, () => pciHostDefaults()),
    section(10, "PCIBUS", 1, pciBusPlugin, () => pciBusDefaults()),
    section(11, "0000:00:00.0/I440FX", 3, i440fxPlugin, () => i440fxDefaults()),
    section(12, "dma", 1, dmaPlugin, () => dmaDefaults(0)),
    section(13, "dma", 1, dmaPlugin, () => dmaDefaults(1), 1),
    section(14, "0000:00:01.0/PIIX3", 3, piix3Plugin, () => piix3Defaults()),
    section(15, "i8259", 1, i8259Plugin, () => i8259Defaults()),
    section(16, "i8259", 1, i8259Plugin, () => i8259Defaults(), 1),
    section(17, "ioapic", 3, ioapicPlugin, () => ioapicDefaults()),
    section(18, "hpet", 2, hpetPlugin, () => hpetDefaults("pc")),
    section(19, "mc146818rtc", 3, mc146818rtcPlugin, (c) => mc146818rtcDefaults(c.now)),
    section(20, "i8254", 3, i8254Plugin, () => i8254Defaults()),
    section(21, "pcspk", 1, pcspkPlugin, () => pcspkDefaults()),
    section(22, "fdc", 2, fdcPlugin, () => fdcDefaults()),
    section(23, "ps2kbd", 3, ps2kbdPlugin, () => ps2kbdDefaults()),
    section(24, "ps2mouse", 2, ps2mousePlugin, () => ps2mouseDefaults()),
    section(25, "pckbd", 3, pckbdPlugin, () => pckbdDefaults()),
    section(26, "vmmouse", 0, vmmousePlugin, () => vmmouseDefaults()),
    section(27, "port92", 1, port92Plugin, () => port92Defaults()),
    section(28, "0000:00:01.1/ide", 3, piixIdePlugin, () => piixIdeDefaults()),
    section(29, "i2c_bus", 1, i2cBusPlugin, () => i2cBusDefaults()),
    section(30, "0000:00:01.3/piix4_pm", 3, piix4PmPlugin, () => piix4PmDefaults()),
    section(39, "acpi_build", 1, acpiBuildPlugin, () => acpiBuildDefaults()),
    section(40, "globalstate", 1, globalStatePlugin, () => globalStateDefaults()),
  ],
  pageSize: 4096,
  unsentSectionIds: [1, 3, 31, 32, 33, 34, 35, 36, 37, 38],
};
