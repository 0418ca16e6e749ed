/**
 * The `pc` and `q35` machine device plugins against the real QEMU 7.2
 * captures: typed decode, exact re-encode, BER round trip and vmdesc
 * entries equal to the stream's for every fixture; decoded states within
 * their bounds; hostile states rejected by validation; power-on defaults
 * equal to the never-run capture.
 */
import { createRegistry } from "@qber/core";
import { type DevicePlugin, encodeLegacy, validateState } from "@qber/vmstate";
import { describe, expect, it } from "vitest";
import { acpiBuildDefaults } from "../src/pc/acpi-build.js";
import { fdcDefaults } from "../src/pc/fdc.js";
import { fwCfgDefaults } from "../src/pc/fw-cfg.js";
import { globalStateDefaults } from "../src/pc/global-state.js";
import { hpetDefaults, hpetDescription, type HpetState } from "../src/pc/hpet.js";
import { i2cBusDefaults } from "../src/pc/i2c-bus.js";
import { i440fxDefaults } from "../src/pc/i440fx.js";
import { i8254Defaults } from "../src/pc/i8254.js";
import { dmaDefaults } from "../src/pc/i8257.js";
import { i8259Defaults } from "../src/pc/i8259.js";
import { ich9AhciDefaults } from "../src/pc/ich9-ahci.js";
import { ich9LpcDefaults } from "../src/pc/ich9-lpc.js";
import { ich9SmbDefaults } from "../src/pc/ich9-smb.js";
import { ioapicDefaults } from "../src/pc/ioapic.js";
import { mc146818rtcDefaults, mc146818rtcDescription, type Mc146818rtcState } from "../src/pc/mc146818rtc.js";
import { mchDefaults } from "../src/pc/mch.js";
import { pciBusDefaults, Q35_PCI_NIRQ } from "../src/pc/pci-bus.js";
import { pciHostDefaults } from "../src/pc/pci-host.js";
import { pckbdDefaults } from "../src/pc/pckbd.js";
import { pcspkDefaults } from "../src/pc/pcspk.js";
import { piix3Defaults } from "../src/pc/piix3.js";
import { piix4PmDefaults } from "../src/pc/piix4-pm.js";
import { piixIdeDefaults } from "../src/pc/piix-ide.js";
import { port92Defaults } from "../src/pc/port92.js";
import { PS2_QUEUE_MAX_COUNT } from "../src/pc/ps2-common.js";
import { ps2kbdDefaults, ps2kbdDescription, type Ps2kbdState } from "../src/pc/ps2kbd.js";
import { ps2mouseDefaults } from "../src/pc/ps2mouse.js";
import { timerDefaults } from "../src/pc/timer.js";
import { vmmouseDefaults } from "../src/pc/vmmouse.js";
import { ich9AhciPlugin, ich9LpcPlugin, ich9SmbPlugin, mchPlugin, pcPlugins, pciBusPlugin, hpetPlugin } from "../src/plugins-pc.js";
import { type CaptureSection, checkCapture } from "@qber/vmstate/testing";
import { describedBy, fixtureSections, readFixture } from "./fixture-check.js";

const PC_VMSDS = [
  "timer",
  "fw_cfg",
  "PCIHost",
  "PCIBUS",
  "I440FX",
  "dma",
  "PIIX3",
  "i8259",
  "ioapic",
  "hpet",
  "mc146818rtc",
  "i8254",
  "pcspk",
  "fdc",
  "ps2kbd",
  "ps2mouse",
  "pckbd",
  "vmmouse",
  "port92",
  "ide",
  "i2c_bus",
  "piix4_pm",
  "acpi_build",
  "globalstate",
];
const Q35_VMSDS = ["mch", "ICH9LPC", "ich9_ahci", "ich9_smb"];
const ALL = [...PC_VMSDS, ...Q35_VMSDS];
const FIXTURES = ["pc-paused.mig", "q35-paused.mig", "pc-addons.mig", "pc-xbzrle-live.mig", "q35-xbzrle-live.mig", "pc-never-run.mig"];

const registry = createRegistry(...pcPlugins);
const vmsdOf = (idstr: string): string => idstr.slice(idstr.lastIndexOf("/") + 1);
const checkedIds = (fixture: string): string[] => checkCapture(readFixture(fixture), registry, { sections: ALL }).map((c) => c.section.idstr);

function decoded<T>(fixture: string, vmsd: string, instance = 0): { state: T; section: CaptureSection } {
  const section = fixtureSections(fixture).find((s) => vmsdOf(s.idstr) === vmsd && s.instance === instance);
  if (section === undefined) throw new Error(`${fixture} has no ${vmsd}#${instance}`);
  const plugin = registry.find(section.idstr, section.info.versionId)!;
  return { state: plugin.legacy!.decode(section.rest, section.info).value as T, section };
}

describe("pc and q35 devices on the QEMU 7.2 captures", () => {
  const checked = new Map<string, string[]>();

  it.each(FIXTURES)("%s: every pc/q35 section decodes typed, re-encodes exactly, round-trips BER, describes itself as QEMU did", (fixture) => {
    const ids = checkedIds(fixture);
    checked.set(fixture, ids);
    const names = new Set(ids.map(vmsdOf));
    for (const s of fixtureSections(fixture)) {
      if (ALL.includes(vmsdOf(s.idstr))) expect(names.has(vmsdOf(s.idstr)), s.idstr).toBe(true);
    }
  });

  it("every modelled vmsd was checked in pc-paused or q35-paused", () => {
    const pc = checkedIds("pc-paused.mig").map(vmsdOf);
    const q35 = checkedIds("q35-paused.mig").map(vmsdOf);
    for (const name of ALL) expect(pc.includes(name) || q35.includes(name), name).toBe(true);
    expect(pc.filter((n) => n === "dma" || n === "i8259")).toHaveLength(4);
    expect(new Set(q35)).toEqual(new Set([...PC_VMSDS.filter((n) => !["I440FX", "PIIX3", "fdc", "ide", "piix4_pm"].includes(n)), ...Q35_VMSDS]));
  });

  it.each(FIXTURES)("%s: decoded states are within their bounds", (fixture) => {
    for (const s of fixtureSections(fixture)) {
      if (!ALL.includes(vmsdOf(s.idstr))) continue;
      const plugin = registry.find(s.idstr, s.info.versionId)!;
      const { value } = plugin.legacy!.decode(s.rest, s.info);
      expect(validateState(describedBy(plugin), value as never), s.idstr).toEqual([]);
    }
  });
});

describe("validation rejects hostile device state", () => {
  it("hpet: num_timers 255 (beyond HPET_MAX_TIMERS)", () => {
    const { state } = decoded<HpetState>("pc-paused.mig", "hpet");
    expect(validateState(hpetDescription, state)).toEqual([]);
    const errors = validateState(hpetDescription, { ...state, num_timers: 255 });
    expect(errors.map((e) => e.message)).toEqual(["hpet: field num_timers must be <= 32"]);
    expect(errors[0]).toMatchObject({ device: "hpet", field: "num_timers" });
    expect(validateState(hpetDescription, { ...state, num_timers: 2 }).map((e) => e.message)).toEqual(["hpet: field num_timers must be >= 3"]);
  });

  it("ps2kbd: queue count beyond the queue size, read pointer outside the ring", () => {
    const { state } = decoded<Ps2kbdState>("pc-paused.mig", "ps2kbd");
    expect(validateState(ps2kbdDescription, state)).toEqual([]);
    const over = validateState(ps2kbdDescription, { ...state, parent_obj: { ...state.parent_obj, count: PS2_QUEUE_MAX_COUNT + 1 } });
    expect(over.map((e) => e.message)).toEqual([`ps2kbd: field parent_obj.count must be <= ${PS2_QUEUE_MAX_COUNT}`]);
    expect(over[0]).toMatchObject({ device: "ps2kbd", field: "parent_obj.count" });
    const huge = validateState(ps2kbdDescription, { ...state, parent_obj: { ...state.parent_obj, count: 300, rptr: 256 } });
    expect(huge.map((e) => e.field).sort()).toEqual(["parent_obj.count", "parent_obj.rptr"]);
  });

  it("mc146818rtc: cmos_index must stay inside the 128-byte CMOS", () => {
    const { state } = decoded<Mc146818rtcState>("pc-paused.mig", "mc146818rtc");
    expect(validateState(mc146818rtcDescription, { ...state, cmos_index: 128 }).map((e) => e.message)).toEqual([
      "mc146818rtc: field cmos_index must be <= 127",
    ]);
  });

  it("index and size fields of the other devices", () => {
    const cases: [string, (s: Record<string, any>) => Record<string, unknown>, string][] = [
      ["ide", (s) => ({ ...s, bus: [{ ...s.bus[0], unit: 2 }, s.bus[1]] }), "bus[0].unit"],
      ["i8254", (s) => ({ ...s, channels: [{ ...s.channels[0], count: 0 }, s.channels[1], s.channels[2]] }), "channels[0].count"],
      ["i8254", (s) => ({ ...s, channels: [{ ...s.channels[0], rw_mode: 4 }, s.channels[1], s.channels[2]] }), "channels[0].rw_mode"],
      ["vmmouse", (s) => ({ ...s, nb_queue: 1025 }), "nb_queue"],
      ["piix4_pm", (s) => ({ ...s, smb: { ...s.smb, smb_index: 33 } }), "smb.smb_index"],
      ["dma", (s) => ({ ...s, dshift: 2 }), "dshift"],
      ["hpet", (s) => ({ ...s, timer: [{ ...s.timer[0], tn: 32 }, s.timer[1], s.timer[2]] }), "timer[0].tn"],
      ["ich9_ahci", (s) => ({ ...s, ahci: { ...s.ahci, dev: [{ ...s.ahci.dev[0], busy_slot: 32 }, ...s.ahci.dev.slice(1)] } }), "ahci.dev[0].busy_slot"],
      ["globalstate", (s) => ({ ...s, runstate: new Uint8Array(100).fill(0x41) }), "runstate"],
    ];
    for (const [vmsd, mutate, field] of cases) {
      const fixture = vmsd === "ich9_ahci" ? "q35-paused.mig" : "pc-paused.mig";
      const { state, section } = decoded<Record<string, any>>(fixture, vmsd);
      const plugin = registry.find(section.idstr, section.info.versionId)!;
      const errors = validateState(describedBy(plugin), mutate(state) as never);
      expect(
        errors.map((e) => e.field),
        `${vmsd}: ${field}`,
      ).toEqual([field]);
      expect(errors[0]!.message.startsWith(`${vmsd}: field ${field} must`)).toBe(true);
    }
  });
});

describe("power-on defaults", () => {
  const rtcCreatedAt = (): bigint => decoded<Mc146818rtcState>("pc-never-run.mig", "mc146818rtc").state.last_update!;

  const pcDefaults = (vmsd: string, instance: number): unknown => {
    const table: Record<string, () => unknown> = {
      timer: timerDefaults,
      fw_cfg: fwCfgDefaults,
      PCIHost: pciHostDefaults,
      PCIBUS: () => pciBusDefaults(),
      I440FX: i440fxDefaults,
      dma: () => dmaDefaults(instance as 0 | 1),
      PIIX3: piix3Defaults,
      i8259: i8259Defaults,
      ioapic: ioapicDefaults,
      hpet: () => hpetDefaults("pc"),
      mc146818rtc: () => mc146818rtcDefaults(rtcCreatedAt()),
      i8254: i8254Defaults,
      pcspk: pcspkDefaults,
      fdc: fdcDefaults,
      ps2kbd: ps2kbdDefaults,
      ps2mouse: ps2mouseDefaults,
      pckbd: pckbdDefaults,
      vmmouse: vmmouseDefaults,
      port92: port92Defaults,
      ide: piixIdeDefaults,
      i2c_bus: i2cBusDefaults,
      piix4_pm: piix4PmDefaults,
      acpi_build: acpiBuildDefaults,
      globalstate: globalStateDefaults,
    };
    return table[vmsd]!();
  };

  it("pc: every device's defaults encode to the never-run capture's bytes", () => {
    let n = 0;
    for (const s of fixtureSections("pc-never-run.mig")) {
      const vmsd = vmsdOf(s.idstr);
      if (!PC_VMSDS.includes(vmsd)) continue;
      const plugin = registry.find(s.idstr, s.info.versionId)!;
      const state = pcDefaults(vmsd, s.instance);
      expect(validateState(describedBy(plugin), state as never), s.idstr).toEqual([]);
      expect(plugin.legacy!.encode(state, s.info), `${s.idstr}#${s.instance}`).toEqual(s.body);
      n++;
    }
    expect(n).toBe(PC_VMSDS.length + 2);
  });

  it("q35: the ICH9/Q35 defaults are valid and encode at their versions", () => {
    const q35: [DevicePlugin, unknown][] = [
      [mchPlugin, mchDefaults()],
      [ich9LpcPlugin, ich9LpcDefaults()],
      [ich9AhciPlugin, ich9AhciDefaults()],
      [ich9SmbPlugin, ich9SmbDefaults()],
      [pciBusPlugin, pciBusDefaults(Q35_PCI_NIRQ)],
      [hpetPlugin, hpetDefaults("q35")],
    ];
    const lengths = new Map(fixtureSections("q35-paused.mig").map((s) => [vmsdOf(s.idstr), s.body.length]));
    for (const [{ description, names }, state] of q35) {
      const vmsd = names[0]!;
      expect(validateState(description, state as never), vmsd).toEqual([]);
      // Same layout (and so the same length) as the paused q35 capture.
      expect(encodeLegacy(description, state as never).length, vmsd).toBe(lengths.get(vmsd));
    }
  });

  it("the RTC defaults follow the creation time", () => {
    const rtc = mc146818rtcDefaults(new Date(Date.UTC(2024, 1, 29, 13, 5, 9)));
    expect(Array.from(rtc.cmos_data.subarray(0, 10))).toEqual([0x09, 0, 0x05, 0, 0x13, 0, 0x05, 0x29, 0x02, 0x24]);
    expect(rtc.cmos_data[0x32]).toBe(0x20);
    expect(rtc.base_rtc).toBe(1709211909n);
    expect(rtc.next_alarm_time! - rtc.last_update!).toBe((86400n - 47109n) * 1_000_000_000n);
  });
});
