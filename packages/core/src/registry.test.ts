import { describe, expect, it } from "vitest";
import { type SectionPlugin, createRegistry } from "./registry.js";

const plugin = (id: string, names: string[], minVersion: number, maxVersion: number): SectionPlugin<number> => ({
  id,
  names,
  minVersion,
  maxVersion,
  ber: {
    decode: (c) => (c.kind === "vmstate" ? c.value.length : -1),
    encode: () => ({ kind: "vmstate", value: [] }),
  },
});

describe("registry", () => {
  it("finds plugins by full name or by the vmsd name after the qdev path", () => {
    const ide = plugin("t:ide", ["ide"], 1, 3);
    const r = createRegistry(ide);
    expect(r.find("0000:00:01.1/ide", 3n)?.id).toBe("t:ide");
    expect(r.find("ide", 1)?.id).toBe("t:ide");
    expect(r.find("ide", 4)).toBeUndefined();
    expect(r.find("piix4_pm", 1)).toBeUndefined();
  });

  it("lets the plugin given last win and composes registries", () => {
    const a = plugin("a", ["hpet"], 0, 9);
    const b = plugin("b", ["hpet"], 2, 2);
    const r = createRegistry(createRegistry(a), b);
    expect(r.find("hpet", 2)?.id).toBe("b");
    expect(r.find("hpet", 1)?.id).toBe("a");
    expect(Object.isFrozen(r)).toBe(true);
    expect(r.plugins.map((p) => p.id)).toEqual(["a", "b"]);
  });
});
