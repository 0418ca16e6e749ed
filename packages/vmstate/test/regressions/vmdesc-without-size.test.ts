/**
 * Regression (fuzzing, qemu target, seed 7 index 260241): a bit flip in a
 * stream's vmdesc left a field without its size; the description derived from
 * it made the decoder crash with a TypeError instead of a typed error.
 */
import { describe, expect, it } from "vitest";
import { decodeLegacy, describeFromVmdesc, type VmdescDevice } from "../../src/index.js";

describe("a vmdesc field without a size", () => {
  it("is a QberDecodeError when decoded, not a crash", () => {
    const entry = {
      name: "dev",
      instance_id: 0,
      vmsd_name: "dev",
      version: 1,
      fields: [{ name: "blob", type: "buffer" }],
    } as unknown as VmdescDevice;
    let error: unknown;
    try {
      decodeLegacy(describeFromVmdesc(entry), new Uint8Array(16), { version: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: "QberDecodeError" });
  });
});
