import { describe, expect, it } from "vitest";
import { newRamParseState, newRamWriteState, type RamRecord } from "./ram-record.js";
import { parseRamRecords } from "./ram-record-parser.js";
import { writeRamRecords } from "./ram-record-writer.js";

const be64 = (v: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v));
  return [...b];
};
const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const EOS = be64(0x10);

/** A START body: two blocks, with both optional per-block fields selected. */
const start = Uint8Array.from([
  ...be64(0x3000 + 0x04),
  ...name("pc.ram"),
  ...be64(0x2000),
  ...be64(0x200000),
  ...be64(0),
  ...name("pc.bios"),
  ...be64(0x1000),
  ...be64(0xfffff000),
  ...be64(0x1000 + 0x02),
  ...name("pc.ram"),
  0xab,
  ...EOS,
]);
const options = { ignoreShared: true, postcopyPageSize: (b: string) => b === "pc.ram" };

function parseAll(body: Uint8Array, state = newRamParseState()) {
  const records: RamRecord[] = [];
  const progress = parseRamRecords(body, 0, body.length, state, records, options);
  return { records, progress, state };
}

describe("RAM records", () => {
  it("reads START with postcopy page sizes and x-ignore-shared addresses, and writes it back", () => {
    const { records, progress } = parseAll(start);
    expect(progress).toEqual({ pos: start.length, done: true, needed: 0 });
    expect(records[0]).toEqual({
      kind: "mem-size",
      total: 0x3000,
      blocks: [
        { name: "pc.ram", length: 0x2000, pageSize: 0x200000, mrAddr: 0 },
        { name: "pc.bios", length: 0x1000, mrAddr: 0xfffff000 },
      ],
    });
    expect(records[1]).toEqual({ kind: "zero", block: "pc.ram", offset: 0x1000, continued: false, fill: 0xab });
    expect(writeRamRecords(records, newRamWriteState(), options)).toEqual(start);
  });

  it("remembers the CONTINUE block across bodies and rejects CONTINUE with none", () => {
    const { state } = parseAll(start);
    const part = Uint8Array.from([...be64(0x22), 0x00, ...EOS]);
    expect(parseAll(part, state).records[0]).toMatchObject({ kind: "zero", block: "pc.ram", offset: 0, continued: true });
    expect(() => parseAll(part)).toThrow(/no earlier record named one/);
  });

  const cases: [string, number[], RegExp][] = [
    ["COMPRESS_PAGE", be64(0x100), /compressed with zlib \(flag 0x100/],
    ["MULTIFD_FLUSH", be64(0x200), /multifd flush \(0x200/],
    ["HOOK", be64(0x80), /RDMA hook/],
    ["FULL", be64(0x01), /obsolete/],
    ["PAGE|ZERO", be64(0x0a), /unknown combination of RAM record flags 0xa/],
    ["EOS with offset bits", be64(0x1010), /EOS and MEM_SIZE come alone/],
    ["an unknown block", [...be64(0x02), ...name("nope"), 0], /unknown block "nope"/],
    ["an offset past the block", [...be64(0x2000 + 0x02), ...name("pc.ram"), 0], /outside block "pc.ram"/],
    ["an XBZRLE encoding byte other than 1", [...be64(0x60), 2, 0, 1, 0], /encoding byte 0x2/],
    ["an XBZRLE payload over a page", [...be64(0x60), 1, 0x10, 0x01], /longer than a page/],
  ];
  for (const [what, bytes, message] of cases) {
    it(`rejects ${what} with a QberDecodeError`, () => {
      const { state } = parseAll(start);
      expect(() => parseAll(Uint8Array.from(bytes), state)).toThrow(message);
      try {
        parseAll(Uint8Array.from(bytes), state);
      } catch (e) {
        expect((e as Error).name).toBe("QberDecodeError");
      }
    });
  }

  it("reports what a cut record needs and leaves the state alone", () => {
    for (let cut = 0; cut < start.length; cut++) {
      const state = newRamParseState();
      const records: RamRecord[] = [];
      const p = parseRamRecords(start, 0, cut, state, records, options);
      expect(p.done).toBe(false);
      expect(p.pos + p.needed).toBeGreaterThan(cut);
      if (p.pos === 0) expect(state.blocks.size).toBe(0);
    }
  });
});
