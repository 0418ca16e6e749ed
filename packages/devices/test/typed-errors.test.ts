/** Values a machine description gives that the models cannot write are QberEncodeErrors, not RangeErrors. */
import { describe, expect, it } from "vitest";
import { isQberError } from "@qber/core";
import { pcMachine, ramBlocksFor } from "../src/index.js";
import { globalStateFor } from "../src/pc/global-state.js";

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  throw new Error("did not throw");
}

describe("typed errors for unwritable values", () => {
  it.each([
    ["a run state name of 100 bytes", () => globalStateFor("r".repeat(100))],
    ["a memory size that is no multiple of 4 KiB", () => ramBlocksFor(pcMachine, 4097)],
  ])("%s", (_what, run) => {
    const e = caught(run);
    expect(isQberError(e, "QberEncodeError"), String(e)).toBe(true);
  });
});
