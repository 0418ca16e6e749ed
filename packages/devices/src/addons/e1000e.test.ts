/**
 * The e1000e model against the q35 default-devices capture: the PCI
 * Express config space and MSI-X state, the register file's bounds and
 * the vmdesc names QEMU uses for the doubly declared fields.
 */
import type { SectionInfo } from "@qber/core";
import { describeDevice, validateState } from "@qber/vmstate";
import { describe, expect, it } from "vitest";
import { fixtureSections } from "../../test/fixture-check.js";
import { E1000E_MIN_XITR, E1000E_REG, e1000eDescription, e1000ePlugin, type E1000eState } from "./e1000e.js";

function capture(): { state: E1000eState; body: Uint8Array; info: SectionInfo } {
  const section = fixtureSections("q35-defaults.mig").find((s) => s.idstr === "0000:00:02.0/e1000e");
  if (section === undefined) throw new Error("no e1000e section");
  const { value, length } = e1000ePlugin.legacy!.decode(section.rest, section.info);
  expect(length).toBe(section.body.length);
  return { state: value, body: section.body, info: section.info };
}

describe("e1000e", () => {
  it("decodes the q35 default NIC: PCIe config space, 5 MSI-X vectors, reset register values", () => {
    const { state } = capture();
    expect(state.pci.config.length).toBe(4096);
    expect(state.pci.configConventional).toBeUndefined();
    expect(state.msix.msix.length).toBe(81);
    expect(state.mac.length).toBe(0x8000);
    expect(state.mac[E1000E_REG.ITR]).toBe(E1000E_MIN_XITR);
    expect(state.rxbuf_min_shift).toBe(5);
    expect([...state.permanent_mac]).toEqual([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
    expect(state.tx.length).toBe(2);
    expect(validateState(e1000eDescription, state)).toEqual([]);
  });

  it("vmdesc names the two parent_obj fields and the express config space as QEMU does", () => {
    const { state, body } = capture();
    const d = describeDevice(e1000eDescription, state, { name: "0000:00:02.0/e1000e", instanceId: 0 });
    expect(d.bytes).toEqual(body);
    const names = d.vmdesc.fields.map((f) => f.name);
    expect(names.slice(0, 3)).toEqual(["parent_obj[0]", "parent_obj[1]", "ioaddr"]);
    expect(d.vmdesc.fields[0]!.struct!.fields.map((f) => f.name)).toEqual(["version_id", "config[1]", "irq_state"]);
    expect(d.vmdesc.fields.find((f) => f.name === "core.mac")).toMatchObject({ array_len: 0x8000, type: "uint32", size: 4 });
    expect(d.vmdesc.fields.find((f) => f.name === "core.rxbuf_sizes")).toMatchObject({ array_len: 4, type: "uint32", size: 4 });
  });

  it("bounds reject out-of-range ring indices, lengths, throttling values and buffer sizes", () => {
    const { state } = capture();
    const mac = [...state.mac];
    mac[E1000E_REG.RDH0] = 0x10000;
    mac[E1000E_REG.TDT1] = 0x12345;
    mac[E1000E_REG.TDLEN] = 0x1000 + 4; // not a multiple of 128
    mac[E1000E_REG.RDLEN1] = 0x100000;
    mac[E1000E_REG.ITR] = 100;
    mac[E1000E_REG.EITR + 4] = 0x10000;
    const msix = Uint8Array.from(state.msix.msix);
    msix[80] = 0x20; // a pending bit for a sixth vector
    const bad: E1000eState = {
      ...state,
      mac,
      msix: { msix },
      rxbuf_min_shift: 9,
      rx_desc_len: 48,
      rxbuf_sizes: [16385, 64512, 64513, 0],
      itr_guest_value: 0x10000,
      tx: [{ ...state.tx[0]!, paylen: 0x100000, ip: 2 }, state.tx[1]!],
    };
    const fields = validateState(e1000eDescription, bad).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        `mac[${E1000E_REG.RDH0}]`,
        `mac[${E1000E_REG.TDT1}]`,
        `mac[${E1000E_REG.TDLEN}]`,
        `mac[${E1000E_REG.RDLEN1}]`,
        `mac[${E1000E_REG.ITR}]`,
        `mac[${E1000E_REG.EITR + 4}]`,
        "msix.msix",
        "rxbuf_min_shift",
        "rx_desc_len",
        "rxbuf_sizes[0]",
        "rxbuf_sizes[2]",
        "itr_guest_value",
        "tx[0].paylen",
        "tx[0].ip",
      ]),
    );
    expect(fields).not.toContain("rxbuf_sizes[1]");
  });
});
