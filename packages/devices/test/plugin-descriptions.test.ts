/**
 * The device plugins carry their descriptions (there is no side table):
 * what validation, the JSON form and vmdesc need comes off the plugin, and
 * a user importing a plugin gets its state type.
 */
import { RAM_SECTION_NAME, RAM_SECTION_VERSION, ramPlugin } from "@qber/ram";
import { type DevicePlugin, descriptionOf, isDevicePlugin, validateState, vmsdInfo } from "@qber/vmstate";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type HpetState,
  type MachineSpec,
  defaultRegistry,
  devicePlugins,
  devicesRegistry,
  hpetDefaults,
  type hpetDescription,
  hpetPlugin,
  pcMachine,
  q35Machine,
} from "../src/index.js";

describe("device plugins", () => {
  it("each carries the vmsd description of the sections it claims", () => {
    expect(devicePlugins.length).toBeGreaterThan(40);
    for (const p of devicePlugins) {
      expect(isDevicePlugin(p), p.id).toBe(true);
      const info = vmsdInfo(p.description);
      expect(p.names, p.id).toContain(info.name);
      expect(p.maxVersion, p.id).toBe(info.version);
      expect(descriptionOf(p)).toBe(p.description);
    }
    // Through the registry, where a plugin is only a SectionPlugin, the description is still there.
    for (const p of devicesRegistry.plugins) expect(descriptionOf(p), p.id).toBeDefined();
  });

  it("type their states: a plugin imported by name gives its fields", () => {
    expectTypeOf(hpetPlugin).toEqualTypeOf<DevicePlugin<typeof hpetDescription>>();
    const section = { name: "hpet", instanceId: 0n, versionId: 2n };
    const state = hpetPlugin.ber.decode(hpetPlugin.ber.encode(hpetDefaults("q35"), section), section);
    expectTypeOf(state).toEqualTypeOf<HpetState>();
    expectTypeOf(state.config).toEqualTypeOf<bigint>();
    expectTypeOf(state.num_timers).toEqualTypeOf<number | undefined>();
    expect(state.num_timers).toBe(3);
    expect(validateState(hpetPlugin.description, { ...state, num_timers: 255 }).map((e) => e.field)).toEqual(["num_timers"]);
  });
});

describe("machine layouts name their plugins", () => {
  it.each([pcMachine, q35Machine] as MachineSpec[])("$alias: each section's plugin is the one the registry picks for it", (machine) => {
    for (const s of machine.sections) expect(devicesRegistry.find(s.idstr, s.version), s.idstr).toBe(s.plugin);
  });
});

describe("defaultRegistry", () => {
  it("holds every device plugin and RAM's block list", () => {
    expect(defaultRegistry.plugins).toEqual([...devicePlugins, ramPlugin]);
    expect(defaultRegistry.find(RAM_SECTION_NAME, RAM_SECTION_VERSION)).toBe(ramPlugin);
    expect(defaultRegistry.find("hpet", 2)).toBe(hpetPlugin);
  });
});
