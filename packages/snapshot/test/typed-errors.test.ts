/**
 * Input that cannot be read or written ends in a typed qber error, never a
 * plain Error, RangeError or TypeError: machine descriptions for compose,
 * hex bytes of a device state's JSON, vmdesc values.
 */
import { describe, expect, it } from "vitest";
import { isQberError } from "@qber/core";
import { formatQemuJson, fromHex } from "@qber/vmstate";
import { composeMachine } from "../src/index.js";
import { parseAddress } from "../src/compose/machine-file.js";

async function caught(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error("did not throw");
}

describe("typed errors for bad input", () => {
  it.each([
    ["a hex string of odd length", () => fromHex("abc")],
    ["a fraction in a vmdesc", () => formatQemuJson({ size: 1.5 })],
    ["a function in a vmdesc", () => formatQemuJson({ f: () => 1 })],
    ["an address past the safe integers", () => parseAddress(`0x${"f".repeat(20)}`)],
    ["compose of such a memory size", () => composeMachine({ machine: "pc", memory: 4097 }, () => {})],
  ])("%s is a QberEncodeError with a reason", async (_what, run) => {
    const e = await caught(run);
    expect(isQberError(e, "QberEncodeError"), String(e)).toBe(true);
    expect((e as { reason: string }).reason).not.toBe("");
  });
});
