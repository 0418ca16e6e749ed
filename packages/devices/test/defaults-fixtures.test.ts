/**
 * Every device section of the QEMU 7.2 captures with the machines' default
 * devices (fixtures/qemu-7.2/pc-defaults.mig: VGA, e1000, IDE with a
 * CD-ROM, floppy, serial, parallel, user networking; q35-defaults.mig:
 * VGA, e1000e, AHCI, serial, parallel, user networking) through the
 * package's registry: each decodes through a typed plugin (the vmdesc
 * fallback is never needed), re-encodes to its bytes, survives the BER
 * round trip, describes itself exactly as the stream's vmdesc does, and
 * validates cleanly against its description's bounds.
 */
import { validateState } from "@qber/vmstate";
import { describe, expect, it } from "vitest";
import { devicesRegistry } from "../src/registry.js";
import { checkCapture } from "@qber/vmstate/testing";
import { describedBy, fixtureSections, readFixture } from "./fixture-check.js";

const FIXTURES: readonly (readonly [string, string, string])[] = [
  ["pc-defaults.mig", "0000:00:03.0/e1000", "@qber/devices:e1000"],
  ["q35-defaults.mig", "0000:00:02.0/e1000e", "@qber/devices:e1000e"],
];

describe.each(FIXTURES)("default devices: %s", (fixture, nic, nicPlugin) => {
  it("every device section decodes through a typed plugin, re-encodes exactly and describes itself as QEMU did", () => {
    const all = fixtureSections(fixture).map((s) => s.idstr);
    const checked = checkCapture(readFixture(fixture), devicesRegistry).map((c) => c.section.idstr);
    expect(checked).toEqual(all);
    expect(checked).toContain("slirp");
    expect(checked).toContain(nic);
  });

  it("the NIC and the user network backend have their own plugins", () => {
    const byName = new Map(fixtureSections(fixture).map((s) => [s.idstr, s]));
    expect(devicesRegistry.find(nic, byName.get(nic)!.info.versionId)?.id).toBe(nicPlugin);
    expect(devicesRegistry.find("slirp", byName.get("slirp")!.info.versionId)?.id).toBe("@qber/devices:slirp");
  });

  it("the decoded body lengths equal the vmdesc sizes, slirp's included", () => {
    for (const s of fixtureSections(fixture)) {
      const plugin = devicesRegistry.find(s.idstr, s.info.versionId)!;
      expect(plugin.legacy!.decode(s.rest, s.info).length, s.idstr).toBe(s.body.length);
    }
  });

  it("every decoded state validates cleanly", () => {
    for (const s of fixtureSections(fixture)) {
      const plugin = devicesRegistry.find(s.idstr, s.info.versionId);
      expect(plugin, s.idstr).toBeDefined();
      const { value } = plugin!.legacy!.decode(s.rest, s.info);
      expect(validateState(describedBy(plugin), value as never, s.idstr), s.idstr).toEqual([]);
    }
  });
});
