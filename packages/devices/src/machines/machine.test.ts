import { validateState } from "@qber/vmstate";
import { describe, expect, it } from "vitest";
import type { MachineSpec } from "./machine.js";
import { pcMachine } from "./pc.js";
import { q35Machine } from "./q35.js";

describe.each([pcMachine, q35Machine] as MachineSpec[])("$alias power-on states", (machine) => {
  it("are valid states of their devices (compose relies on it)", () => {
    for (const s of machine.sections) {
      const state = s.powerOn({ now: new Date(Date.UTC(2026, 0, 1)) });
      expect(validateState(s.plugin.description, state as never, s.idstr), s.idstr).toEqual([]);
    }
  });
});
