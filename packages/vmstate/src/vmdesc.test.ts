import { describe, expect, it } from "vitest";
import {
  array,
  describeDevice,
  describeFromVmdesc,
  encodeLegacy,
  decodeLegacy,
  formatQemuJson,
  named,
  since,
  struct,
  subsection,
  tmp,
  u16,
  u32,
  u8,
  u8Array,
  unused,
  vmsd,
  when,
} from "./index.js";

const drive = vmsd(
  { name: "fdrive", version: 1 },
  {
    head: u8(),
    rate: subsection(vmsd({ name: "fdrive/media_rate", version: 1 }, { media_rate: u8() })),
  },
);
const plain = vmsd({ name: "plain", version: 1 }, { a: u8(), b: u16() });
const dev = vmsd(
  { name: "dev", version: 2 },
  {
    old: named("cur_offset", since(3, u32())),
    off: named("cur_offset", u32()),
    pad0: named("unused", unused(2)),
    pad1: named("unused", unused(1)),
    fifo: u8Array(3),
    regs: array(u16(), 2),
    plains: array(struct(plain), 2),
    drives: array(struct(drive), 2),
    t: tmp(vmsd({ name: "dev/tmp", version: 1 }, { x: u8() })),
    opt: when(() => true, array(u8({ equal: 1 }), 1)),
  },
);

const state = {
  off: 7,
  pad0: new Uint8Array(2),
  pad1: new Uint8Array(1),
  fifo: Uint8Array.of(1, 2, 3),
  regs: [1, 2],
  plains: [
    { a: 1, b: 2 },
    { a: 3, b: 4 },
  ],
  drives: [{ head: 1, rate: { media_rate: 5 } }, { head: 2 }],
  t: { x: 9 },
  opt: [1],
};

describe("vmdesc generation", () => {
  const { bytes, vmdesc } = describeDevice(dev, state, { name: "0000:00:02.0/dev", instanceId: 0 });
  const text = formatQemuJson(vmdesc);

  it("writes QEMU's keys, order, spacing, [k] suffixes (counting unsent declarations), compressed and indexed arrays and sizes", () => {
    expect(text).toBe(
      '{"name": "0000:00:02.0/dev", "instance_id": 0, "vmsd_name": "dev", "version": 2, "fields": [' +
        '{"name": "cur_offset[1]", "type": "uint32", "size": 4}, ' +
        '{"name": "unused[0]", "type": "unused_buffer", "size": 2}, ' +
        '{"name": "unused[1]", "type": "unused_buffer", "size": 1}, ' +
        '{"name": "fifo", "array_len": 3, "type": "uint8", "size": 1}, ' +
        '{"name": "regs", "array_len": 2, "type": "uint16", "size": 2}, ' +
        '{"name": "plains", "array_len": 2, "type": "struct", "struct": {"vmsd_name": "plain", "version": 1, "fields": [{"name": "a", "type": "uint8", "size": 1}, {"name": "b", "type": "uint16", "size": 2}]}, "size": 3}, ' +
        '{"name": "drives", "index": 0, "type": "struct", "struct": {"vmsd_name": "fdrive", "version": 1, "fields": [{"name": "head", "type": "uint8", "size": 1}], "subsections": [{"vmsd_name": "fdrive/media_rate", "version": 1, "fields": [{"name": "media_rate", "type": "uint8", "size": 1}]}]}, "size": 25}, ' +
        '{"name": "drives", "index": 1, "type": "struct", "struct": {"vmsd_name": "fdrive", "version": 1, "fields": [{"name": "head", "type": "uint8", "size": 1}]}, "size": 1}, ' +
        '{"name": "t", "type": "tmp", "vmsd_name": "dev/tmp", "version": 1, "fields": [{"name": "x", "type": "uint8", "size": 1}], "size": 1}, ' +
        '{"name": "opt", "type": "uint8 equal", "size": 1}]}',
    );
    expect(bytes).toEqual(encodeLegacy(dev, state));
  });

  it("round-trips through a description made from that vmdesc", () => {
    const derived = describeFromVmdesc(JSON.parse(text));
    const { value } = decodeLegacy(derived, bytes, { final: true });
    expect(encodeLegacy(derived, value)).toEqual(bytes);
    expect(formatQemuJson(describeDevice(derived, value, { name: "0000:00:02.0/dev", instanceId: 0 }).vmdesc)).toBe(text);
  });

  it("escapes strings as QEMU's JSON writer does", () => {
    expect(formatQemuJson({ s: 'a"b\\c/d\n\u0001\u007f\u00e9\u{1f600}' })).toBe('{"s": "a\\"b\\\\c/d\\n\\u0001\\u007F\\u00E9\\uD83D\\uDE00"}');
  });

  it("describes old-style handlers with a top-level size", () => {
    const d = describeFromVmdesc({ name: "old", instance_id: 0, size: 2, fields: [{ name: "data", size: 2, type: "buffer" }] });
    const { vmdesc } = describeDevice(d, { data: Uint8Array.of(1, 2) }, { name: "old", instanceId: 0, version: 5 });
    expect(formatQemuJson(vmdesc)).toBe('{"name": "old", "instance_id": 0, "size": 2, "fields": [{"name": "data", "size": 2, "type": "buffer"}]}');
  });
});
