/**
 * Issue #17: `devices: {i8259: {imr: 0xa5}}` silently changed both PICs of
 * a pc machine (QEMU's `info pic` showed imr=a5 on both), while the docs
 * said a bare name was instance 0. A bare name now has to name exactly one
 * section; `name#N` is instance N, `name#*` every instance.
 */
import { readSections } from "@qber/core";
import { devicesRegistry, i8259Plugin } from "@qber/devices";
import { describe, expect, it } from "vitest";
import { type MachineDescription, composeMachine } from "../../src/index.js";

async function compose(devices: MachineDescription["devices"]): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await composeMachine({ machine: "pc", memory: "2M", devices }, (c) => void chunks.push(c.slice()));
  return new Uint8Array(Buffer.concat(chunks));
}

/** The imr of each PIC, by instance id, read back through the i8259 plugin. */
async function imrs(ber: Uint8Array): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for await (const s of readSections(ber, devicesRegistry)) {
    if (s.kind === "full" && s.section.name === "i8259") out[String(s.section.instanceId)] = i8259Plugin.ber.decode(s.section.contents, s.section).imr;
  }
  return out;
}

describe("compose addresses device instances", () => {
  it("refuses a bare name with two instances, listing them", async () => {
    await expect(compose({ i8259: { imr: 0xa5 } })).rejects.toThrow(
      /"i8259" names 2 sections in a pc machine: say which \(i8259#0, i8259#1\) or i8259#\* for all/,
    );
    await expect(compose({ dma: {} })).rejects.toThrow(/dma#0, dma#1/);
  });

  it("name#N changes instance N only, name#* every instance", async () => {
    expect(await imrs(await compose({ "i8259#1": { imr: 0xa5 } }))).toEqual({ 0: 0, 1: 0xa5 });
    expect(await imrs(await compose({ "i8259#0": { imr: "0x5a" } }))).toEqual({ 0: 0x5a, 1: 0 });
    expect(await imrs(await compose({ "i8259#*": { imr: 0xff } }))).toEqual({ 0: 0xff, 1: 0xff });
    // Applied in order: every instance, then one of them.
    expect(await imrs(await compose({ "i8259#*": { imr: 0xff }, "i8259#1": { imr: 0x0f } }))).toEqual({ 0: 0xff, 1: 0x0f });
  });

  it("a bare name with one instance, an idstr, and its #0 all work; other instances and names do not", async () => {
    await expect(compose({ hpet: { isr: "0x1" }, "hpet#0": { config: 4 }, "0000:00:01.1/ide": {}, "ide#0": {} })).resolves.toBeInstanceOf(Uint8Array);
    await expect(compose({ "hpet#1": {} })).rejects.toThrow(/no instance 1 of "hpet" in a pc machine \(hpet#0\)/);
    await expect(compose({ "hpet#x": {} })).rejects.toThrow(/after # comes an instance number or \*/);
    await expect(compose({ nosuch: {} })).rejects.toThrow(/no section "nosuch" in a pc machine/);
  });

  it("names the instance in a bound error", async () => {
    await expect(compose({ "i8259#1": { priority_add: 9 } })).rejects.toThrow(/i8259#1.*priority_add/);
  });
});
