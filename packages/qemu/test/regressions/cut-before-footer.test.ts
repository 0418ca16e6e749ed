/**
 * Found by the exhaustive truncation campaign (npm run truncation): a QEMU
 * stream cut right after a section's body, where its footer belongs, was
 * reported as corrupt ("missing section footer") instead of incomplete.
 * The two cuts are where pc-never-run.mig's RAM sections (part and end) end.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { discardSink } from "@qber/core";
import { importQemuStream } from "../../src/index.js";
import { defaultRegistry } from "@qber/devices";

const mig = new Uint8Array(readFileSync(fileURLToPath(new URL("../../../../fixtures/qemu-7.2/pc-never-run.mig", import.meta.url))));

it.each([275846, 275864])("pc-never-run.mig cut at %i, before a section footer, is incomplete", async (cut) => {
  const e = await importQemuStream([mig.subarray(0, cut)], discardSink, { registry: defaultRegistry }).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toMatchObject({
    name: "QberDecodeError",
    incomplete: true,
    offset: cut,
    message: expect.stringMatching(/ends where the footer of section 2 belongs/),
  });
});
