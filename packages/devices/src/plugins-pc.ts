/**
 * The typed device plugins of QEMU 7.2's `pc` (i440FX/PIIX3) and `q35`
 * (Q35/ICH9) machines: every section those machines send except the CPU,
 * local APIC and kvm-tpr-opt ones. Each plugin carries its description;
 * the descriptions, power-on defaults and state types are exported beside
 * them under stable names (`hpetPlugin`, `hpetDescription`, `hpetDefaults`,
 * `HpetState`).
 */
import type { DevicePlugin } from "@qber/vmstate";
import { acpiBuildPlugin } from "./pc/acpi-build.js";
import { fdcPlugin } from "./pc/fdc.js";
import { fwCfgPlugin } from "./pc/fw-cfg.js";
import { globalStatePlugin } from "./pc/global-state.js";
import { hpetPlugin } from "./pc/hpet.js";
import { i2cBusPlugin } from "./pc/i2c-bus.js";
import { i440fxPlugin } from "./pc/i440fx.js";
import { i8254Plugin } from "./pc/i8254.js";
import { dmaPlugin } from "./pc/i8257.js";
import { i8259Plugin } from "./pc/i8259.js";
import { ich9AhciPlugin } from "./pc/ich9-ahci.js";
import { ich9LpcPlugin } from "./pc/ich9-lpc.js";
import { ich9SmbPlugin } from "./pc/ich9-smb.js";
import { ioapicPlugin } from "./pc/ioapic.js";
import { mc146818rtcPlugin } from "./pc/mc146818rtc.js";
import { mchPlugin } from "./pc/mch.js";
import { pciBusPlugin } from "./pc/pci-bus.js";
import { pciHostPlugin } from "./pc/pci-host.js";
import { pckbdPlugin } from "./pc/pckbd.js";
import { pcspkPlugin } from "./pc/pcspk.js";
import { piixIdePlugin } from "./pc/piix-ide.js";
import { piix3Plugin } from "./pc/piix3.js";
import { piix4PmPlugin } from "./pc/piix4-pm.js";
import { port92Plugin } from "./pc/port92.js";
import { ps2kbdPlugin } from "./pc/ps2kbd.js";
import { ps2mousePlugin } from "./pc/ps2mouse.js";
import { timerPlugin } from "./pc/timer.js";
import { vmmousePlugin } from "./pc/vmmouse.js";

export { acpiBuildDefaults, acpiBuildDescription, acpiBuildPlugin, type AcpiBuildState } from "./pc/acpi-build.js";
export { fdcDefaults, fdcDescription, fdcPlugin, type FdcState, fdcStateDescription, fdriveDescription } from "./pc/fdc.js";
export { fwCfgDefaults, fwCfgDescription, fwCfgPlugin, type FwCfgState } from "./pc/fw-cfg.js";
export { globalStateDefaults, globalStateDescription, globalStatePlugin, type GlobalStateState } from "./pc/global-state.js";
export { hpetDefaults, hpetDescription, hpetPlugin, type HpetState, hpetTimerDescription, type HpetTimerState } from "./pc/hpet.js";
export { i2cBusDefaults, i2cBusDescription, i2cBusPlugin, type I2cBusState } from "./pc/i2c-bus.js";
export { i440fxDefaults, i440fxDescription, i440fxPlugin, type I440fxState } from "./pc/i440fx.js";
export { i8254Defaults, i8254Description, i8254Plugin, type I8254State, pitChannelDescription } from "./pc/i8254.js";
export { dmaDefaults, dmaDescription, dmaPlugin, dmaRegsDescription, type DmaState } from "./pc/i8257.js";
export { i8259Defaults, i8259Description, i8259Plugin, type I8259State } from "./pc/i8259.js";
export { ich9AhciDefaults, ich9AhciDescription, ich9AhciHbaDescription, ich9AhciPlugin, type Ich9AhciState } from "./pc/ich9-ahci.js";
export { ich9LpcDefaults, ich9LpcDescription, ich9LpcPlugin, type Ich9LpcState } from "./pc/ich9-lpc.js";
export { ich9SmbDefaults, ich9SmbDescription, ich9SmbPlugin, type Ich9SmbState } from "./pc/ich9-smb.js";
export { ioapicDefaults, ioapicDescription, ioapicPlugin, type IoapicState } from "./pc/ioapic.js";
export { mc146818rtcDefaults, mc146818rtcDescription, mc146818rtcPlugin, type Mc146818rtcState } from "./pc/mc146818rtc.js";
export { mchDefaults, mchDescription, mchPlugin, type MchState } from "./pc/mch.js";
export { pciBusDefaults, pciBusDescription, pciBusPlugin, type PciBusState } from "./pc/pci-bus.js";
export { pciHostDefaults, pciHostDescription, pciHostPlugin, type PciHostState } from "./pc/pci-host.js";
export { pckbdDefaults, pckbdDescription, pckbdPlugin, type PckbdState, pckbdStateDescription } from "./pc/pckbd.js";
export { pcspkDefaults, pcspkDescription, pcspkPlugin, type PcspkState } from "./pc/pcspk.js";
export { piixIdeDefaults, piixIdeDescription, piixIdePlugin, type PiixIdeState } from "./pc/piix-ide.js";
export { piix3Defaults, piix3Description, piix3Plugin, type Piix3State } from "./pc/piix3.js";
export { piix4PmDefaults, piix4PmDescription, piix4PmPlugin, type Piix4PmState } from "./pc/piix4-pm.js";
export { port92Defaults, port92Description, port92Plugin, type Port92State } from "./pc/port92.js";
export { ps2kbdDefaults, ps2kbdDescription, ps2kbdPlugin, type Ps2kbdState } from "./pc/ps2kbd.js";
export { ps2mouseDefaults, ps2mouseDescription, ps2mousePlugin, type Ps2mouseState } from "./pc/ps2mouse.js";
export { timerDefaults, timerDescription, timerPlugin, type TimerState } from "./pc/timer.js";
export { vmmouseDefaults, vmmouseDescription, vmmousePlugin, type VmmouseState } from "./pc/vmmouse.js";

/** The `pc` and `q35` device plugins: pc's in its stream order, then the ones only q35 has. */
export const pcPlugins: readonly DevicePlugin[] = Object.freeze([
  timerPlugin,
  fwCfgPlugin,
  pciHostPlugin,
  pciBusPlugin,
  i440fxPlugin,
  dmaPlugin,
  piix3Plugin,
  i8259Plugin,
  ioapicPlugin,
  hpetPlugin,
  mc146818rtcPlugin,
  i8254Plugin,
  pcspkPlugin,
  fdcPlugin,
  ps2kbdPlugin,
  ps2mousePlugin,
  pckbdPlugin,
  vmmousePlugin,
  port92Plugin,
  piixIdePlugin,
  i2cBusPlugin,
  piix4PmPlugin,
  acpiBuildPlugin,
  globalStatePlugin,
  mchPlugin,
  ich9LpcPlugin,
  ich9AhciPlugin,
  ich9SmbPlugin,
]);
