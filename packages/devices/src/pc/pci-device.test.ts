import { describeDevice, encodeLegacy, validateState } from "@qber/vmstate";
import { describe, expect, it } from "vitest";
import { pciDeviceDescription, pciDeviceState } from "./pci-device.js";

describe("PCIDevice", () => {
  it("sends the conventional config space under QEMU's doubled name config[0]", () => {
    const state = pciDeviceState(new Uint8Array(256).fill(1));
    const { bytes, vmdesc } = describeDevice(pciDeviceDescription, state, { name: "p", instanceId: 0 });
    expect(bytes.length).toBe(4 + 256 + 16);
    expect(vmdesc.fields.map((f) => [f.name, f.type, f.size])).toEqual([
      ["version_id", "int32 le", 4],
      ["config[0]", "pci config", 256],
      ["irq_state", "pci irq state", 16],
    ]);
    expect(encodeLegacy(pciDeviceDescription, state, { version: 1 }).length).toBe(4 + 256);
  });

  it("INTx levels are 0 or 1 per pin", () => {
    const state = pciDeviceState(new Uint8Array(256));
    expect(validateState(pciDeviceDescription, { ...state, irq_state: Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]) })).toEqual([]);
    const errors = validateState(pciDeviceDescription, { ...state, irq_state: Uint8Array.from([0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) });
    expect(errors.map((e) => e.field)).toEqual(["irq_state"]);
  });
});
