import { createRegistry } from "@qber/core";
import { describe, expect, it } from "vitest";
import { definePlugin, subsection, timer, u32, u8, vmsd } from "./index.js";

const pit = vmsd({ name: "i8254", version: 3, minVersion: 2 }, {
  channels: u8(),
  next: timer(),
  sub: subsection(vmsd({ name: "i8254/extra", version: 1 }, { n: u32() })),
});

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
