import { decodeLegacy, describeDevice, encodeLegacy } from "@qber/vmstate";
import { describe, expect, it } from "vitest";
import { fwCfgDefaults, fwCfgDescription } from "./fw-cfg.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

describe("fw_cfg: the read offset QEMU declares twice", () => {
  it("version 1 sends it as 16 bits, version 2 as 32 bits", () => {
    expect(decodeLegacy(fwCfgDescription, hex("0019 0102"), { version: 1, final: true })).toEqual({
      value: { cur_entry: 0x19, cur_offset_v1: 0x102 },
      length: 4,
    });
    expect(decodeLegacy(fwCfgDescription, hex("0019 00000102"), { version: 2, final: true }).value).toEqual({ cur_entry: 0x19, cur_offset: 0x102 });
  });

  it("vmdesc names the sent one cur_offset[1], and the subsections follow", () => {
    const state = fwCfgDefaults();
    const { vmdesc } = describeDevice(fwCfgDescription, state, { name: "fw_cfg", instanceId: 0 });
    expect(vmdesc.fields.map((f) => f.name)).toEqual(["cur_entry", "cur_offset[1]"]);
    expect(vmdesc.subsections?.map((s) => s.vmsd_name)).toEqual(["fw_cfg/dma", "fw_cfg/acpi_mr"]);
    expect(encodeLegacy(fwCfgDescription, state).length).toBe(2 + 4 + (1 + 1 + 10 + 4 + 8) + (1 + 1 + 14 + 4 + 24));
  });
});
