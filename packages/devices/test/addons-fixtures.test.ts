/**
 * The add-on device plugins against the real QEMU 7.2 capture
 * fixtures/qemu-7.2/pc-addons.mig (isa-serial, isa-parallel, VGA, e1000,
 * virtio-net-pci, usb-ehci, piix3-usb-uhci, an ide-hd disk): typed decode,
 * exact re-encode, BER round trip, vmdesc entry equal to the stream's, and
 * validation of the decoded states against their bounds.
 */
import { createRegistry } from "@qber/core";
import { formatQemuJson, parseVmdesc, validateState, vmdescBodySize } from "@qber/vmstate";
import { describe, expect, it } from "vitest";
import { findVmdescRecord, walkStream } from "@qber/test-support";
import { piixIdeDescription, piixIdePlugin } from "../src/pc/piix-ide.js";
import { describeVirtioNet, virtioNetDescription, type VirtioNetState } from "../src/addons/virtio-net.js";
import { addonPlugins } from "../src/plugins-addons.js";
import { pcMachine, q35Machine, ramBlocksFor, type MachineSpec } from "../src/machines/index.js";
import { type CaptureSection, checkCapture } from "@qber/vmstate/testing";
import { describedBy, fixtureSections, readFixture } from "./fixture-check.js";

const FIXTURE = "pc-addons.mig";
const registry = createRegistry(...addonPlugins);

const byName = (name: string): CaptureSection => {
  const s = fixtureSections(FIXTURE).find((x) => x.idstr === name || x.idstr.endsWith(`/${name}`));
  if (s === undefined) throw new Error(`${FIXTURE} has no section ${name}`);
  return s;
};

describe("add-on devices on pc-addons.mig", () => {
  it("every add-on vmsd decodes through its typed plugin, re-encodes exactly and describes itself as QEMU did", () => {
    const checked = checkCapture(readFixture(FIXTURE), registry, { sections: ["serial", "parallel_isa", "vga", "e1000", "ehci", "uhci"] }).map(
      (c) => c.section.idstr,
    );
    expect(checked).toEqual(["serial", "parallel_isa", "0000:00:02.0/vga", "0000:00:03.0/e1000", "0000:00:05.0/ehci", "0000:00:06.0/uhci"]);
  });

  it("virtio-net: the opaque virtio field decodes exactly (typed), re-encodes, and its vmdesc entry is QEMU's", () => {
    const s = byName("virtio-net");
    const plugin = registry.find(s.idstr, s.info.versionId)!;
    expect(plugin.id).toBe("@qber/devices:virtio-net");
    const { value, length } = plugin.legacy!.decode(s.rest, s.info);
    expect(length).toBe(s.body.length);
    expect(plugin.legacy!.encode(value, s.info)).toEqual(s.body);
    expect(plugin.ber.decode(plugin.ber.encode(value, s.info), s.info)).toEqual(value);
    const state = value as VirtioNetState;
    const described = describeVirtioNet(state, { name: s.idstr, instanceId: 0, version: 11 });
    expect(described.bytes).toEqual(s.body);
    expect(formatQemuJson(described.vmdesc)).toBe(formatQemuJson(s.vmdesc));
    // What the capture holds: 3 queues (rx, tx, ctrl), 4 MSI-X vectors, a legacy (pre-1.0) driver state.
    const { device, core } = state.virtio;
    expect(device.header.num_queues).toBe(3);
    expect(device.header.queues.map((q) => q.num)).toEqual([256, 256, 64]);
    expect((device.transport.msix_table as Uint8Array | undefined)?.length).toBe(4 * 16);
    expect(core.virtqueues?.vq.length).toBe(1024);
    expect(core.extra_state?.extra_state.modern_state?.vqs.length).toBe(1024);
    expect(validateState(virtioNetDescription, state)).toEqual([]);
  });

  it("an attached ide-hd disk: the PIIX ide section (pc model's plugin) decodes with the drive's IDENTIFY data", () => {
    const s = byName("ide");
    expect(checkCapture(readFixture(FIXTURE), piixIdePlugin, { sections: ["ide"] }).map((c) => c.section.idstr)).toEqual(["0000:00:01.1/ide"]);
    const plugin = piixIdePlugin;
    const { value, length } = plugin.legacy!.decode(s.rest, s.info);
    expect(length).toBe(s.body.length);
    expect(plugin.legacy!.encode(value, s.info)).toEqual(s.body);
    const disk = value.primary[0]!;
    expect(disk.identify_set).toBe(1);
    expect(disk.identify_data?.length).toBe(512);
    expect(value.primary[1]!.identify_data).toBeUndefined();
    expect(validateState(piixIdeDescription, value)).toEqual([]);
  });

  it("decoded states satisfy their bounds", () => {
    for (const s of fixtureSections(FIXTURE)) {
      const plugin = registry.find(s.idstr, s.info.versionId);
      if (plugin === undefined) continue;
      const { value } = plugin.legacy!.decode(s.rest, s.info);
      expect(validateState(describedBy(plugin), value as never), s.idstr).toEqual([]);
    }
  });

  it("bounds reject out-of-range indices", () => {
    const vga = byName("vga");
    const plugin = registry.find(vga.idstr, 2)!;
    const { value } = plugin.legacy!.decode(vga.rest, vga.info);
    const state = value as { vga: Record<string, unknown> };
    const bad = { ...state, vga: { ...state.vga, sr_index: 8, ar_index: 0x40, vbe_index: 11 } };
    const errors = validateState(describedBy(plugin), bad as never).map((e) => e.field);
    expect(errors).toEqual(expect.arrayContaining(["vga.sr_index", "vga.ar_index", "vga.vbe_index"]));
  });
});

/** Configuration name, RAM START section and MEM_SIZE block list at the head of a stream. */
function head(stream: Uint8Array): {
  machine: string;
  ram: { id: number; idstr: string; instance: number; version: number };
  blocks: { name: string; length: number }[];
} {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  let pos = 8;
  const str = (): string => {
    const n = stream[pos++]!;
    const t = new TextDecoder("latin1").decode(stream.subarray(pos, pos + n));
    pos += n;
    return t;
  };
  expect(stream[pos++]).toBe(0x07);
  const n = view.getUint32(pos);
  pos += 4;
  const machine = new TextDecoder().decode(stream.subarray(pos, pos + n));
  pos += n;
  expect(stream[pos++]).toBe(0x01);
  const id = view.getUint32(pos);
  pos += 4;
  const idstr = str();
  const instance = view.getUint32(pos);
  const version = view.getUint32(pos + 4);
  pos += 8;
  const hdr = view.getBigUint64(pos);
  pos += 8;
  expect(hdr & 0x4n).toBe(0x4n);
  let total = hdr & ~0xfffn;
  const blocks: { name: string; length: number }[] = [];
  while (total > 0n) {
    const name = str();
    const len = view.getBigUint64(pos);
    pos += 8;
    total -= len;
    blocks.push({ name, length: Number(len) });
  }
  return { machine, ram: { id, idstr, instance, version }, blocks };
}

describe.each([
  ["pc-paused.mig", pcMachine],
  ["pc-never-run.mig", pcMachine],
  ["q35-paused.mig", q35Machine],
] as [string, MachineSpec][])("default machine layout against %s", (fixture, machine) => {
  it("configuration, RAM blocks, section list and vmdesc page size are QEMU's", () => {
    const stream = readFixture(fixture);
    const h = head(stream);
    expect(h.machine).toBe(machine.machineType);
    expect(h.ram).toEqual({ id: machine.ramSection.sectionId, idstr: "ram", instance: 0, version: 4 });
    expect(h.blocks).toEqual(ramBlocksFor(machine, 32 * 1024 * 1024));
    const vmdesc = parseVmdesc(findVmdescRecord(stream).json);
    expect(vmdesc.page_size).toBe(machine.pageSize);
    const got = walkStream(stream, (_s, i) => vmdescBodySize(vmdesc.devices[i]!)).fulls.map((f) => [f.id, f.idstr, f.instance, f.version]);
    expect(got).toEqual(machine.sections.map((s) => [s.sectionId, s.idstr, s.instanceId, s.version]));
    const ids = new Set([machine.ramSection.sectionId, ...machine.sections.map((s) => s.sectionId)]);
    for (const u of machine.unsentSectionIds) expect(ids.has(u)).toBe(false);
  });
});
