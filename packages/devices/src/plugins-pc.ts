/**
 * The typed device plugins of QEMU 7.2's `pc` (i440FX/PIIX3) and `q35`
 * (Q35/ICH9) machines: every section those machines send except the CPU,
 * local APIC and kvm-tpr-opt ones.
 */
import type { SectionPlugin } from "@qber/core";
import type { TObject } from "typebox";
import { acpiBuildDescription, acpiBuildPlugin } from "./pc/acpi-build.js";
import { dmaDescription, dmaPlugin } from "./pc/i8257.js";
import { fdcDescription, fdcPlugin } from "./pc/fdc.js";
import { fwCfgDescription, fwCfgPlugin } from "./pc/fw-cfg.js";
import { globalStateDescription, globalStatePlugin } from "./pc/global-state.js";
import { hpetDescription, hpetPlugin } from "./pc/hpet.js";
import { i2cBusDescription, i2cBusPlugin } from "./pc/i2c-bus.js";
import { i440fxDescription, i440fxPlugin } from "./pc/i440fx.js";
import { i8254Description, i8254Plugin } from "./pc/i8254.js";
import { i8259Description, i8259Plugin } from "./pc/i8259.js";
import { ich9AhciDescription, ich9AhciPlugin } from "./pc/ich9-ahci.js";
import { ich9LpcDescription, ich9LpcPlugin } from "./pc/ich9-lpc.js";
import { ich9SmbDescription, ich9SmbPlugin } from "./pc/ich9-smb.js";
import { ioapicDescription, ioapicPlugin } from "./pc/ioapic.js";
import { mc146818rtcDescription, mc146818rtcPlugin } from "./pc/mc146818rtc.js";
import { mchDescription, mchPlugin } from "./pc/mch.js";
import { pciBusDescription, pciBusPlugin } from "./pc/pci-bus.js";
import { pciHostDescription, pciHostPlugin } from "./pc/pci-host.js";
import { pckbdDescription, pckbdPlugin } from "./pc/pckbd.js";
import { pcspkDescription, pcspkPlugin } from "./pc/pcspk.js";
import { piix3Description, piix3Plugin } from "./pc/piix3.js";
import { piix4PmDescription, piix4PmPlugin } from "./pc/piix4-pm.js";
import { piixIdeDescription, piixIdePlugin } from "./pc/piix-ide.js";
import { port92Description, port92Plugin } from "./pc/port92.js";
import { ps2kbdDescription, ps2kbdPlugin } from "./pc/ps2kbd.js";
import { ps2mouseDescription, ps2mousePlugin } from "./pc/ps2mouse.js";
import { timerDescription, timerPlugin } from "./pc/timer.js";
import { vmmouseDescription, vmmousePlugin } from "./pc/vmmouse.js";

/** Each plugin with the description it was made from. */
const entries: readonly (readonly [SectionPlugin, TObject])[] = [
  [timerPlugin, timerDescription],
  [fwCfgPlugin, fwCfgDescription],
  [pciHostPlugin, pciHostDescription],
  [pciBusPlugin, pciBusDescription],
  [i440fxPlugin, i440fxDescription],
  [dmaPlugin, dmaDescription],
  [piix3Plugin, piix3Description],
  [i8259Plugin, i8259Description],
  [ioapicPlugin, ioapicDescription],
  [hpetPlugin, hpetDescription],
  [mc146818rtcPlugin, mc146818rtcDescription],
  [i8254Plugin, i8254Description],
  [pcspkPlugin, pcspkDescription],
  [fdcPlugin, fdcDescription],
  [ps2kbdPlugin, ps2kbdDescription],
  [ps2mousePlugin, ps2mouseDescription],
  [pckbdPlugin, pckbdDescription],
  [vmmousePlugin, vmmouseDescription],
  [port92Plugin, port92Description],
  [piixIdePlugin, piixIdeDescription],
  [i2cBusPlugin, i2cBusDescription],
  [piix4PmPlugin, piix4PmDescription],
  [acpiBuildPlugin, acpiBuildDescription],
  [globalStatePlugin, globalStateDescription],
  [mchPlugin, mchDescription],
  [ich9LpcPlugin, ich9LpcDescription],
  [ich9AhciPlugin, ich9AhciDescription],
  [ich9SmbPlugin, ich9SmbDescription],
];

/** The `pc` and `q35` device plugins. */
export const pcPlugins: readonly SectionPlugin[] = Object.freeze(entries.map(([plugin]) => plugin));

/** Plugin id -> the device description behind it. */
export const pcDescriptions: Readonly<Record<string, TObject>> = Object.freeze(
  Object.fromEntries(entries.map(([plugin, description]) => [plugin.id, description])),
);
