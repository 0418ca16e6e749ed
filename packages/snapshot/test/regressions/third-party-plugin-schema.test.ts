/**
 * Found while reviewing the plugin API: `definePlugin` dropped the device's
 * description, and validation looked descriptions up in @qber/devices' own
 * table by plugin id. A third-party plugin registered as
 * docs/adding-a-device.md says therefore validated a value that breaks its
 * own schema ({flag: 7} against u8({maximum: 1})) unless the caller also
 * passed a descriptions map. Plugins now carry their description, and the
 * registry alone is enough.
 */
import { type SecFull, SectionWriter, createRegistry } from "@qber/core";
import { definePlugin, u8, vmsd } from "@qber/vmstate";
import { expect, it } from "vitest";
import { validateFile } from "../../src/index.js";

const flagPlugin = definePlugin({ id: "@example/flagdev:flagdev", description: vmsd({ name: "flagdev", version: 1 }, { flag: u8({ maximum: 1 }) }) });
const registry = createRegistry(flagPlugin);

/** A BER file holding one section, `flagdev` v1 with the given flag. */
async function fileWithFlag(flag: number): Promise<Uint8Array> {
  const info = { name: "flagdev", instanceId: 0n, versionId: 1n };
  const section: SecFull = { kind: "full", sectionId: 1n, ...info, contents: flagPlugin.ber.encode({ flag }, info) };
  const chunks: Uint8Array[] = [];
  const w = new SectionWriter((c: Uint8Array) => void chunks.push(c.slice()));
  await w.writeSection(section);
  await w.close();
  return new Uint8Array(Buffer.concat(chunks));
}

it("validating with only the registry enforces a third-party plugin's schema", async () => {
  const report = await validateFile(await fileWithFlag(7), { registry });
  expect(report.valid).toBe(false);
  expect(report.problems).toContainEqual(expect.objectContaining({ device: "flagdev", field: "flag" }));
});

it("a value within the schema raises no problem for the device", async () => {
  const report = await validateFile(await fileWithFlag(1), { registry });
  expect(report.problems.filter((p) => p.device === "flagdev")).toEqual([]);
});
