/**
 * `@qber/vmstate/testing`, the plugin check published for plugin authors:
 * it finds every device section of every QEMU 7.2 capture where the
 * independent test walk of the whole stream (stream-walk.ts, which reads
 * every RAM record) finds it, passes a right plugin, and fails a wrong one
 * with a message naming the section, the plugin and the field or byte.
 */
import { readFileSync, readdirSync } from "node:fs";
import { type SectionPlugin, createRegistry } from "@qber/core";
import { describe, expect, it } from "vitest";
import { decodeLegacy, definePlugin, describeFromVmdesc, encodeLegacy, i32, named, u16, u8, vmsd } from "../src/index.js";
import { PluginCheckError, captureSections, checkCapture } from "../src/testing/index.js";
import { walkStream } from "@qber/test-support";
import { qemu72Fixtures as fixtures } from "@qber/test-support";

const read = (name: string): Uint8Array => new Uint8Array(readFileSync(fixtures + name));
const addons = read("pc-addons.mig");

/** The ISA parallel port of QEMU 7.2 (vmsd parallel_isa v1), as a plugin author would write it. */
const fields = {
  dataw: named("state.dataw", u8()),
  datar: named("state.datar", u8()),
  status: named("state.status", u8()),
  control: named("state.control", u8()),
  irq_pending: named("state.irq_pending", i32({ minimum: 0, maximum: 1 })),
  epp_timeout: named("state.epp_timeout", i32({ minimum: 0, maximum: 1 })),
};
const parallel = definePlugin({ id: "test:parallel_isa", description: vmsd({ name: "parallel_isa", version: 1 }, fields) });

const captures = readdirSync(fixtures).filter((f) => f.endsWith(".mig"));
/** The walk knows neither the capabilities of pc-caps.mig's RAM records nor streams without footers (pc-old23.mig). */
const walkable = captures.filter((f) => f !== "pc-caps.mig" && f !== "pc-old23.mig");

describe("captureSections", () => {
  it.each(walkable)("%s: the sections the whole-stream walk finds", (name) => {
    const stream = read(name);
    const sections = captureSections(stream);
    const lengths = sections.map((s) => s.body.length);
    const walked = walkStream(stream, (_, i) => lengths[i]!).fulls;
    expect(sections.map((s) => [s.idstr, s.instance, s.version, s.sectionId, s.body.byteOffset - stream.byteOffset])).toEqual(
      walked.map((w) => [w.idstr, w.instance, w.version, w.id, w.bodyOffset]),
    );
    expect(sections.length).toBeGreaterThan(10);
  });

  it.each(captures)("%s: every body is exactly what its vmdesc entry describes", (name) => {
    const sections = captureSections(read(name));
    for (const s of sections) {
      const description = describeFromVmdesc(s.vmdesc);
      const { value, length } = decodeLegacy(description, s.rest, { version: s.version });
      expect(length, s.idstr).toBe(s.body.length);
      expect(encodeLegacy(description, value, { version: s.version }), s.idstr).toEqual(s.body);
    }
    expect(sections.length).toBeGreaterThan(10);
  });

  it("a stream without its vmdesc, or whose sections do not match it, is refused", () => {
    expect(() => captureSections(addons.subarray(0, addons.length - 1))).toThrow(/no vmdesc record/);
    const bent = addons.slice();
    const [, second] = captureSections(addons);
    bent[second!.offset + 6]! ^= 0xff; // a letter of the second section's idstr
    expect(() => captureSections(bent)).toThrow(new RegExp(`do not match its vmdesc: no section record for ${second!.idstr} at byte ${second!.offset}`));
  });
});

describe("checkCapture", () => {
  it("passes a right plugin and returns the sections it checked with their states", () => {
    const checked = checkCapture(addons, parallel);
    expect(checked.map((c) => [c.section.idstr, c.plugin.id])).toEqual([["parallel_isa", "test:parallel_isa"]]);
    expect(checked[0]!.value).toMatchObject({ irq_pending: expect.any(Number) });
  });

  it("sections: by idstr or vmsd name; each one the capture holds must have a plugin, and it must hold one", () => {
    expect(checkCapture(addons, [parallel], { sections: ["parallel_isa"] })).toHaveLength(1);
    expect(() => checkCapture(addons, parallel, { sections: ["e1000"] })).toThrow("0000:00:03.0/e1000 v2: no plugin claims it");
    expect(checkCapture(addons, parallel, { sections: ["parallel_isa", "not-in-this-machine"] })).toHaveLength(1);
    expect(() => checkCapture(addons, parallel, { sections: ["no-such-device"] })).toThrow(/^the capture has none of the sections no-such-device \(it has /);
  });

  it("a plugin that claims no section of the capture fails rather than passing vacuously", () => {
    const other = definePlugin({ id: "test:other", description: vmsd({ name: "not-in-capture", version: 1 }, { x: u8() }) });
    expect(() => checkCapture(addons, createRegistry(other))).toThrow(/^no section of the capture is claimed by test:other \(it has .*parallel_isa v1/);
  });

  const failure = (plugin: SectionPlugin): PluginCheckError => {
    try {
      checkCapture(addons, plugin);
    } catch (e) {
      if (e instanceof PluginCheckError) return e;
      throw e;
    }
    throw new Error("the check passed");
  };

  it("a field named otherwise: the field list differs, at that field", () => {
    const e = failure(
      definePlugin({ id: "test:renamed", description: vmsd({ name: "parallel_isa", version: 1 }, { ...fields, datar: named("state.data_r", u8()) }) }),
    );
    expect(e.message).toBe(
      'parallel_isa v1, plugin test:renamed: its field list differs from the capture\'s vmdesc: fields[1].name: "state.data_r" in the plugin\'s, "state.datar" in the capture\'s',
    );
    expect([e.section, e.pluginId]).toEqual(["parallel_isa", "test:renamed"]);
  });

  it("a field of another size: the field list differs, at its size", () => {
    const e = failure(
      definePlugin({ id: "test:wide", description: vmsd({ name: "parallel_isa", version: 1 }, { ...fields, status: named("state.status", u16()) }) }),
    );
    expect(e.message).toMatch(/field list differs from the capture's vmdesc: fields\[2\]\.(type|size): /);
  });

  it("a field missing: the field list says which", () => {
    const { epp_timeout: _, ...fewer } = fields;
    const e = failure(definePlugin({ id: "test:fewer", description: vmsd({ name: "parallel_isa", version: 1 }, fewer) }));
    expect(e.message).toMatch(/fields: 5 entries in the plugin's, 6 in the capture's \(first extra: \{"name":"state\.epp_timeout"/);
  });

  it("a legacy codec that writes other bytes, a BER codec that loses a field", () => {
    type State = Parameters<typeof parallel.legacy.encode>[0];
    const flips: SectionPlugin<State> = {
      ...parallel,
      id: "test:flips",
      legacy: { decode: parallel.legacy.decode, encode: (v, i) => parallel.legacy.encode({ ...v, status: v.status ^ 1 }, i) },
    };
    expect(failure(flips as SectionPlugin).message).toBe(
      "parallel_isa v1, plugin test:flips: re-encoding gives other bytes: from byte 2 of the body (12 bytes written, 12 in the capture)",
    );
    const loses: SectionPlugin = {
      ...parallel,
      id: "test:loses",
      ber: { encode: parallel.ber.encode, decode: (c, i) => ({ ...parallel.ber.decode(c, i), control: 0 }) },
    };
    expect(failure(loses).message).toMatch(/^parallel_isa v1, plugin test:loses: BER decode then encode gives other bytes: from byte \d+ of the DER section$/);
  });

  it("a plugin without a description or without a legacy codec cannot be checked", () => {
    expect(failure({ ...parallel, id: "test:bare", description: undefined } as SectionPlugin).message).toMatch(/carries no vmsd description/);
    expect(failure({ ...parallel, id: "test:ber-only", legacy: undefined } as SectionPlugin).message).toMatch(/has no legacy codec/);
  });
});
