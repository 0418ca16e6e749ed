/**
 * Regression (fuzzing, qemu target, seed 7: indexes 114127, 325763 and
 * others): damaged vmdesc JSON (a device without its fields list, a field
 * without its size) reached the decoders and crashed them; parseVmdesc now
 * checks the shape of everything descriptions are derived from.
 */
import { describe, expect, it } from "vitest";
import { parseVmdesc } from "../../src/index.js";

const device = (fields: unknown) => JSON.stringify({ page_size: 4096, devices: [{ name: "timer", instance_id: 0, vmsd_name: "timer", version: 2, fields }] });

describe("parseVmdesc on damaged JSON", () => {
  it("rejects a device without a fields list, and a field without a size, naming where", () => {
    expect(() => parseVmdesc(device(undefined))).toThrow(/vmdesc devices\[0\]: no fields list/);
    expect(() => parseVmdesc(device([{ name: "a", type: "uint32" }]))).toThrow(/vmdesc devices\[0\]\.fields\[0\]: no size/);
    expect(() => parseVmdesc(device([{ name: "a", type: "struct", size: 4, struct: { vmsd_name: "s", version: 1, fields: 7 } }]))).toThrow(
      /fields\[0\]\.struct: no fields list/,
    );
  });

  it("accepts QEMU's shapes: old-style devices, compressed and indexed arrays, nested structs", () => {
    const ok = parseVmdesc(
      JSON.stringify({
        page_size: 4096,
        devices: [
          { name: "slirp", instance_id: 0, size: 131, fields: [{ name: "data", type: "buffer", size: 131 }] },
          {
            name: "dev",
            instance_id: 1,
            vmsd_name: "dev",
            version: 3,
            fields: [
              { name: "r", array_len: 4, type: "uint8", size: 1 },
              { name: "s", index: 0, type: "struct", struct: { vmsd_name: "t", version: 1, fields: [] }, size: 0 },
            ],
          },
        ],
      }),
    );
    expect(ok.devices).toHaveLength(2);
  });
});
