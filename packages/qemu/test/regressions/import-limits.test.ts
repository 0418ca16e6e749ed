/**
 * Resource limits of the importer (issue "Hardening and scale", item 2).
 * Regression: ChunkReader.rest did not count the bytes it had buffered
 * already, so maxDeviceState was not enforced on an in-memory input (nor
 * for the first chunk of a file). Now
 * each limit fails with a clear, typed error naming the option that raises it,
 * and raising it lets the same stream through.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { discardSink, isQberError } from "@qber/core";
import { devicesRegistry } from "@qber/devices";
import { importQemuStream } from "../../src/index.js";

const mig = new Uint8Array(readFileSync(fileURLToPath(new URL("../../../../fixtures/qemu-7.2/pc-paused.mig", import.meta.url))));

describe("importer limits", () => {
  it("maxDeviceState: a typed error naming the option; the default lets the fixture through", async () => {
    const e = await importQemuStream(mig, discardSink, { registry: devicesRegistry, maxDeviceState: 1024 }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isQberError(e, "QberLimitError"), String(e)).toBe(true);
    expect(e).toMatchObject({ limit: "device state", max: 1024 });
    expect((e as Error).message).toMatch(/--max-device-state/);
    await importQemuStream(mig, discardSink, { registry: devicesRegistry });
  });

  it("maxVmdescLength: a QberLimitError, raised through ImportOptions", async () => {
    const e = await importQemuStream(mig, discardSink, { registry: devicesRegistry, maxVmdescLength: 1000 }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isQberError(e, "QberLimitError"), String(e)).toBe(true);
    expect(e).toMatchObject({ limit: "vmdesc length", max: 1000 });
    await importQemuStream(mig, discardSink, { registry: devicesRegistry, maxVmdescLength: 1024 * 1024 });
  });
});
