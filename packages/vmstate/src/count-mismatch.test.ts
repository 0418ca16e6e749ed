/**
 * An array whose length comes from another field, holding another number of
 * entries: when the count field breaks its own bound the complaint names
 * that field and its bound (the array only follows it), in the BER entries
 * codec both ways and in QEMU's layout on encode.
 */
import { type AnyQberError, type VmStateEntry, isQberError } from "@qber/core";
import { describe, expect, it } from "vitest";
import { array, encodeLegacy, entriesToState, stateToEntries, u8, vmsd } from "./index.js";

const table = vmsd(
  { name: "table", version: 1 },
  {
    count: u8({ minimum: 2, maximum: 4 }),
    item: array(u8(), { from: "count" }),
  },
);
const unbounded = vmsd(
  { name: "plain", version: 1 },
  {
    count: u8(),
    item: array(u8(), { from: "count" }),
  },
);

function error(f: () => unknown): AnyQberError {
  try {
    f();
  } catch (e) {
    if (isQberError(e)) return e;
    throw e;
  }
  throw new Error("no error thrown");
}

const entries = (count: number, items: number): VmStateEntry[] => [
  { kind: "int", value: BigInt(count) },
  { kind: "array", value: Array.from({ length: items }, () => ({ kind: "int", value: 0n }) as VmStateEntry) },
];

describe("an array count from a field beyond its bound", () => {
  it("decoding entries names the count field, its value and its bound", () => {
    const e = error(() => entriesToState(table, entries(255, 3)));
    expect(e.message).toContain("count is 255, more than the 4 allowed (and item has 3 entries)");
    expect(e.path).toBe("table.count");
    expect(error(() => entriesToState(table, entries(1, 3))).message).toContain("count is 1, fewer than the 2 required");
  });

  it("encoding names it too, to entries and to QEMU's layout", () => {
    const state = { count: 9, item: [1, 2, 3] };
    expect(error(() => stateToEntries(table, state)).message).toContain("count is 9, more than the 4 allowed");
    expect(error(() => encodeLegacy(table, state)).message).toContain("count is 9, more than the 4 allowed");
  });

  it("a count within its bounds, or without any, leaves the plain mismatch", () => {
    const e = error(() => entriesToState(table, entries(4, 3)));
    expect(e.message).toMatch(/array has 3 entries.*expected 4/);
    expect(e.path).toBe("table.item");
    expect(error(() => entriesToState(unbounded, entries(255, 3))).message).toMatch(/array has 3 entries.*expected 255/);
  });
});
