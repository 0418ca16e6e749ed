/**
 * Found while profiling the bridge: the library's importQemuStream and
 * exportQemuStream defaulted to no device plugins, unlike the qber command,
 * so a file imported by `qber import` (device sections decoded by their
 * models) could not be exported with the defaults ("1 entries after the last
 * field of memory hotplug state"). Both now default to the command's
 * plugins, and a pure round trip with the defaults is byte for byte.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { emptyRegistry } from "@qber/core";
import { exportQemuStream, importQemuStream } from "../../src/index.js";
import { defaultRegistry } from "@qber/devices";

const fixture = (name: string) => new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../../fixtures/qemu-7.2/${name}`, import.meta.url))));

async function collect(run: (sink: (c: Uint8Array) => void) => Promise<unknown>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await run((c) => void parts.push(c.slice()));
  return new Uint8Array(Buffer.concat(parts));
}

it.each(["pc-addons.mig", "q35-defaults.mig"])("%s imported with the command's plugins exports with the defaults, byte for byte", async (name) => {
  const mig = fixture(name);
  const ber = await collect((sink) => importQemuStream([mig], sink, { registry: defaultRegistry }));
  expect(await collect((sink) => exportQemuStream([ber], sink))).toEqual(mig);
});

it("with the defaults, import decodes devices by their models", async () => {
  const summary = await importQemuStream([fixture("pc-addons.mig")], () => undefined);
  expect(summary.devices.find((d) => d.name.endsWith("/piix4_pm"))?.decodedBy).toBe("plugin");
  expect(summary.devices.every((d) => d.decodedBy === "plugin")).toBe(true);
});

it("a section written by a model, exported without it, names the mismatch", async () => {
  const ber = await collect((sink) => importQemuStream([fixture("pc-addons.mig")], sink));
  const e = await exportQemuStream([ber], () => undefined, { registry: emptyRegistry }).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toMatchObject({ name: "QberDecodeError", message: expect.stringMatching(/more than memory hotplug state has fields/) });
});
