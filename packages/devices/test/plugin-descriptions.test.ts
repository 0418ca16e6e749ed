import { descriptionOf } from "@qber/vmstate";
import { expect, it } from "vitest";
import { deviceDescriptions, devicePlugins } from "../src/registry.js";

it("every device plugin carries the description the side table held", () => {
  expect(devicePlugins.map((p) => p.id).sort()).toEqual(Object.keys(deviceDescriptions).sort());
  for (const p of devicePlugins) expect(descriptionOf(p), p.id).toBe(deviceDescriptions[p.id]);
});
