/**
 * `qber diff`'s text form prints each changed value by its field's type from
 * the description the section was decoded with: unsigned integers in hex
 * and decimal, signed ones in decimal, byte strings whole when short and as
 * how many bytes differ when long; without a description, as in JSON.
 */
import { describe, expect, it } from "vitest";
import { array, buffer, i32, struct, u16, u32, u64, u8, vmsd } from "@qber/vmstate";
import { diffSummaries } from "./diff.js";
import { fieldTypeAt } from "./field-types.js";
import type { SectionState, SnapshotSummary } from "./summary.js";
import { renderDiffText } from "./text.js";

const seg = vmsd({ name: "seg", version: 1 }, { base: u64(), limit: u32() });
const dev = vmsd(
  { name: "dev", version: 1 },
  {
    ctrl: u32(),
    small: u8(),
    delta: i32(),
    mac: buffer(6),
    table: buffer(64),
    segs: array(struct(seg), 2),
    words: array(u16(), 3),
  },
);

const state = (fields: unknown, described = true): SectionState => ({
  name: "dev",
  instance: 0,
  version: 1,
  kind: "device",
  decodedBy: "plugin",
  fields,
  ...(described ? { description: dev } : {}),
});
const summary = (s: SectionState): SnapshotSummary => ({
  sections: [],
  states: [s],
  ram: [],
  guestPhysical: { error: "no configuration section naming the machine type" },
  bytes: 0,
});

const table = (edit: (b: Buffer) => void) => {
  const b = Buffer.alloc(64);
  edit(b);
  return b.toString("hex");
};
const a = {
  ctrl: 31,
  small: 3,
  delta: -5,
  mac: "525400123456",
  table: table(() => undefined),
  segs: [
    { base: "983040", limit: 65535 },
    { base: "0", limit: 0 },
  ],
  words: [1, 2, 3],
};
const b = {
  ctrl: 4096,
  small: 4,
  delta: 7,
  mac: "525400123457",
  table: table((x) => x.fill(0xff, 16, 19)),
  segs: [
    { base: "4294901760", limit: 65535 },
    { base: "0", limit: 0 },
  ],
  words: [1, 2, 0xbeef],
};

describe("field types from a description", () => {
  it("follows fields, array indexes, structs and quoted keys to a leaf", () => {
    expect(fieldTypeAt(dev, "ctrl")).toMatchObject({ kind: "int", bits: 32, signed: false });
    expect(fieldTypeAt(dev, "segs[1].base")).toMatchObject({ kind: "int", bits: 64 });
    expect(fieldTypeAt(dev, "words[2]")).toMatchObject({ kind: "int", bits: 16 });
    expect(fieldTypeAt(dev, "mac")).toMatchObject({ kind: "bytes" });
    expect(fieldTypeAt(dev, '["ctrl"]')).toMatchObject({ kind: "int" });
    for (const none of ["segs", "segs[0]", "nope", "ctrl.x", "words.x", ""]) expect(fieldTypeAt(dev, none)).toBeUndefined();
  });
});

describe("renderDiffText by field type", () => {
  const d = diffSummaries(summary(state(a)), summary(state(b)), { names: ["A", "B"] });

  it("registers in hex and decimal, signed and small values in decimal, bytes whole or counted", () => {
    const text = renderDiffText(d, { summaries: [summary(state(a)), summary(state(b))] });
    expect(text.split("\n").slice(2, -1)).toEqual([
      "device dev (instance 0, version 1): 7 fields differ",
      "  ctrl: 0x1f (31) -> 0x1000 (4096)",
      "  small: 3 -> 4",
      "  delta: -5 -> 7",
      "  mac: 525400123456 -> 525400123457",
      "  table: 3 of 64 bytes differ, first at byte 0x10",
      "  segs[0].base: 0xf0000 (983040) -> 0xffff0000 (4294901760)",
      "  words[2]: 3 -> 0xbeef (48879)",
    ]);
  });

  it("without descriptions, values print as in the JSON form", () => {
    const plain = diffSummaries(summary(state(a, false)), summary(state(b, false)));
    const text = renderDiffText(plain, { summaries: [summary(state(a, false)), summary(state(b, false))] });
    expect(text).toContain("  ctrl: 31 -> 4096\n");
    expect(text).toContain('  segs[0].base: "983040" -> "4294901760"\n');
    expect(renderDiffText(d)).toContain("  ctrl: 31 -> 4096\n");
  });

  it("byte strings of different lengths say both lengths", () => {
    const longer = { ...b, table: b.table + "00".repeat(8) };
    const d2 = diffSummaries(summary(state(a)), summary(state(longer)));
    expect(renderDiffText(d2, { summaries: [summary(state(a)), summary(state(longer))] })).toContain(
      "  table: 64 -> 72 bytes, 3 of the first 64 differ, first at byte 0x10\n",
    );
  });
});
