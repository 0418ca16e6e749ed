/**
 * Shared acceptance check for device plugins on real QEMU 7.2 captures:
 * every device section of a fixture decodes through its typed plugin (no
 * generic fallback), the plugin's own vmdesc entry equals the stream's
 * (field for field: name, type, size, array length), and re-encoding gives
 * the section's bytes exactly.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Registry, SectionInfo, SectionPlugin } from "@qber/core";
import { type VmdescDevice, describeDevice, descriptionOf, formatQemuJson, parseVmdesc, vmdescBodySize } from "@qber/vmstate";
import type { Static, TObject } from "typebox";
import { expect } from "vitest";
import { findVmdescRecord, walkStream } from "../../vmstate/test/stream-walk.js";

const fixtures = fileURLToPath(new URL("../../../fixtures/qemu-7.2/", import.meta.url));

export function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixtures + name));
}

export interface FixtureSection {
  readonly idstr: string;
  readonly instance: number;
  readonly info: SectionInfo;
  /** The section's body; its length is the one the stream's vmdesc gives. */
  readonly body: Uint8Array;
  /** The stream from the body on. */
  readonly rest: Uint8Array;
  /** The stream's vmdesc entry for the section. */
  readonly vmdesc: VmdescDevice;
}

/** The device sections of a capture, in stream order. */
export function fixtureSections(fixture: string): FixtureSection[] {
  const stream = readFixture(fixture);
  const vmdesc = parseVmdesc(findVmdescRecord(stream).json);
  const out: FixtureSection[] = [];
  walkStream(stream, (s, i) => {
    const entry = vmdesc.devices[i]!;
    const length = vmdescBodySize(entry);
    out.push({
      idstr: s.idstr,
      instance: s.instance,
      info: { name: s.idstr, instanceId: BigInt(s.instance), versionId: BigInt(s.version) },
      body: stream.subarray(s.bodyOffset, s.bodyOffset + length),
      rest: stream.subarray(s.bodyOffset),
      vmdesc: entry,
    });
    return length;
  });
  return out;
}

/** The description a plugin carries; fails the test when it carries none. */
export function describedBy(plugin: SectionPlugin | undefined): TObject {
  const description = plugin && descriptionOf(plugin);
  if (description === undefined) throw new Error(`${plugin?.id ?? "no plugin"}: no description`);
  return description;
}

/**
 * Checks every device section of `fixture` whose vmsd name is in `only`
 * (all when omitted) against the plugins of `registry`. Returns the idstrs checked.
 */
export function checkFixtureDevices(fixture: string, registry: Registry, only?: readonly string[]): string[] {
  const stream = readFixture(fixture);
  const vmdesc = parseVmdesc(findVmdescRecord(stream).json);
  const checked: string[] = [];
  walkStream(stream, (s, i) => {
    const entry = vmdesc.devices[i]!;
    const vmsdName = s.idstr.slice(s.idstr.lastIndexOf("/") + 1);
    const plugin = registry.find(s.idstr, s.version);
    if (only && !only.includes(vmsdName)) {
      return vmdescBodySize(entry);
    }
    expect(plugin, `a typed plugin for ${s.idstr} v${s.version}`).toBeDefined();
    const info = { name: s.idstr, instanceId: BigInt(s.instance), versionId: BigInt(s.version) };
    const { value, length } = plugin!.legacy!.decode(stream.subarray(s.bodyOffset), info);
    const body = stream.subarray(s.bodyOffset, s.bodyOffset + length);
    expect(plugin!.legacy!.encode(value, info), `${s.idstr}: re-encoded bytes`).toEqual(body);
    const ber = plugin!.ber.encode(value, info);
    expect(plugin!.ber.decode(ber, info), `${s.idstr}: state through VMStateEntries`).toEqual(value);
    const described = describeDevice(describedBy(plugin), value as Static<TObject>, { name: s.idstr, instanceId: s.instance, version: s.version });
    expect(formatQemuJson(described.vmdesc), `${s.idstr}: field list against the stream's vmdesc`).toBe(formatQemuJson(entry));
    checked.push(s.idstr);
    return length;
  });
  return checked;
}

