import { type SectionPlugin, createRegistry } from "@qber/core";
import type { Static } from "typebox";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type DevicePlugin, definePlugin, descriptionOf, isDevicePlugin, subsection, timer, u32, u8, vmsd } from "./index.js";

const pit = vmsd(
  { name: "i8254", version: 3, minVersion: 2 },
  {
    channels: u8(),
    next: timer(),
    sub: subsection(vmsd({ name: "i8254/extra", version: 1 }, { n: u32() })),
  },
);

describe("definePlugin", () => {
  const plugin = definePlugin({ id: "@qber/test:i8254", description: pit });
  const section = { name: "i8254", instanceId: 0n, versionId: 3n };
  const state = { channels: 3, next: -1n, sub: { n: 5 } };

  it("registers by vmsd name and version range", () => {
    const registry = createRegistry(plugin);
    expect(registry.find("i8254", 3)).toBe(plugin);
    expect(registry.find("0000:00:01.0/i8254", 2)).toBe(plugin);
    expect(registry.find("i8254", 4)).toBeUndefined();
  });

  it("BER codec: SecFull vmstate contents <-> typed state", () => {
    const contents = plugin.ber.encode(state, section);
    expect(contents.kind).toBe("vmstate");
    expect(plugin.ber.decode(contents, section)).toEqual(state);
    expect(() => plugin.ber.decode({ kind: "oldblob", value: new Uint8Array() }, section)).toThrow(/vmstate/);
  });

  it("legacy codec: QEMU body bytes <-> typed state, reporting bytes read", () => {
    const bytes = plugin.legacy?.encode(state, section) ?? new Uint8Array();
    const withFooter = Uint8Array.from([...bytes, 0x7e, 0, 0, 0, 1]);
    expect(plugin.legacy?.decode(withFooter, section)).toEqual({ value: state, length: bytes.length });
  });
});

describe("a device plugin carries its description", () => {
  const plugin = definePlugin({ id: "@qber/test:i8254", description: pit });
  const section = { name: "i8254", instanceId: 0n, versionId: 3n };

  it("keeps the description object, on a frozen plain object", () => {
    expect(plugin.description).toBe(pit);
    expect(Object.isFrozen(plugin)).toBe(true);
    expect(Object.getPrototypeOf(plugin)).toBe(Object.prototype);
    expect(isDevicePlugin(plugin)).toBe(true);
    expect(descriptionOf(plugin)).toBe(pit);
    // Found through a registry, where it is only a SectionPlugin.
    const found = createRegistry(plugin).find("i8254", 3)!;
    expect(descriptionOf(found)).toBe(pit);
  });

  it("types its values by the description", () => {
    expectTypeOf(plugin).toEqualTypeOf<DevicePlugin<typeof pit>>();
    expectTypeOf(plugin.description).toEqualTypeOf<typeof pit>();
    const state = plugin.ber.decode(plugin.ber.encode({ channels: 3, next: -1n }, section), section);
    expectTypeOf(state).toEqualTypeOf<Static<typeof pit>>();
    expectTypeOf(state.channels).toEqualTypeOf<number>();
    expectTypeOf(state.next).toEqualTypeOf<bigint>();
    expectTypeOf(plugin.legacy.decode).returns.toEqualTypeOf<{ readonly value: Static<typeof pit>; readonly length: number }>();
    expect(state).toEqual({ channels: 3, next: -1n });
  });

  it("tells plugins without a vmsd description apart", () => {
    const raw: SectionPlugin = {
      id: "@qber/test:raw",
      names: ["raw"],
      minVersion: 1,
      maxVersion: 1,
      ber: { decode: (contents) => contents, encode: () => ({ kind: "oldblob", value: new Uint8Array() }) },
    };
    // A plugin may well have a `description` of its own that is not a vmsd.
    const described = { ...raw, description: "raw bytes" };
    const schemaOnly = { ...raw, description: u32() };
    for (const p of [raw, described, schemaOnly]) {
      expect(isDevicePlugin(p), p.id).toBe(false);
      expect(descriptionOf(p)).toBeUndefined();
    }
  });
});
