/**
 * Real QEMU 7.2 streams with XBZRLE pages (fixtures/qemu-7.2/*-xbzrle-live):
 * rebuild guest RAM from every page record and compare it with the md5s QEMU
 * itself produced; re-encode every XBZRLE page and compare with QEMU's bytes;
 * write every RAM section body back and compare.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type RamRecord, newRamParseState, newRamWriteState, parseRamRecords, writeRamRecords, xbzrleDecode, xbzrleEncode } from "../src/index.js";
import { qemu72Fixtures as fixtures } from "@qber/test-support";

const PAGE = 4096;

interface Sidecar {
  ram: { md5_0_to_a0000: string; md5_100000_to_end: string };
  stream: { records: { ZERO: number; PAGE: number; XBZRLE: number }; rebuiltBlockMd5: Record<string, string> };
}

interface RamSection {
  readonly type: number;
  readonly bodyStart: number;
  readonly bodyEnd: number;
  readonly records: RamRecord[];
}

/**
 * The least of the legacy framing needed here: header, configuration
 * (no subsections in these captures), then RAM START/PART/END sections with
 * footers, up to the first FULL device section.
 */
function walkRamSections(buf: Uint8Array): RamSection[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  expect(view.getUint32(0)).toBe(0x5145564d);
  expect(view.getUint32(4)).toBe(3);
  p = 8;
  expect(buf[p]).toBe(0x07);
  p += 5 + view.getUint32(p + 1);
  expect(buf[p], "configuration subsections are not expected in these captures").not.toBe(0x05);
  const state = newRamParseState();
  const sections: RamSection[] = [];
  for (;;) {
    const type = buf[p]!;
    if (type === 0x04) return sections;
    expect([0x01, 0x02, 0x03]).toContain(type);
    const id = view.getUint32(p + 1);
    p += 5;
    if (type === 0x01) {
      const idstr = new TextDecoder().decode(buf.subarray(p + 1, p + 1 + buf[p]!));
      expect(idstr).toBe("ram");
      p += 1 + buf[p]! + 8;
    }
    const records: RamRecord[] = [];
    const progress = parseRamRecords(buf, p, buf.length, state, records, { base: 0 });
    expect(progress.done).toBe(true);
    sections.push({ type, bodyStart: p, bodyEnd: progress.pos, records });
    p = progress.pos;
    expect(buf[p]).toBe(0x7e);
    expect(view.getUint32(p + 1)).toBe(id);
    p += 5;
  }
}

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");
// vitest's deep equality walks typed arrays element by element, far too
// slowly for megabytes; compare bytes natively and records by a digest.
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
const digest = (records: readonly RamRecord[]) => records.map((r) => ("data" in r ? { ...r, data: md5(r.data) } : r));

describe.each(["pc-xbzrle-live", "q35-xbzrle-live"])("%s.mig", (name) => {
  const buf = new Uint8Array(readFileSync(`${fixtures}${name}.mig`));
  const sidecar = JSON.parse(readFileSync(`${fixtures}${name}.mig.json`, "utf8")) as Sidecar;
  const sections = walkRamSections(buf);

  it("rebuilds RAM as QEMU had it and re-encodes every XBZRLE page byte for byte", () => {
    const images = new Map<string, Uint8Array>();
    const counts = { ZERO: 0, PAGE: 0, XBZRLE: 0 };
    const encoded = new Uint8Array(PAGE);
    for (const s of sections) {
      for (const r of s.records) {
        if (r.kind === "mem-size") {
          for (const b of r.blocks) images.set(b.name, new Uint8Array(b.length));
          continue;
        }
        if (r.kind === "eos") continue;
        const page = images.get(r.block)!.subarray(r.offset, r.offset + PAGE);
        if (r.kind === "zero") {
          page.fill(r.fill);
          counts.ZERO++;
        } else if (r.kind === "page") {
          page.set(r.data);
          counts.PAGE++;
        } else {
          const before = page.slice();
          xbzrleDecode(r.data, page);
          // The receiver's old content is what QEMU's sender had cached, so
          // encoding old -> new must give QEMU's own payload.
          const n = xbzrleEncode(before, page, encoded);
          expect(n, `XBZRLE page ${r.block}@0x${r.offset.toString(16)}`).toBe(r.data.length);
          expect(sameBytes(encoded.subarray(0, n), r.data)).toBe(true);
          counts.XBZRLE++;
        }
      }
    }
    expect(counts).toEqual({ ZERO: sidecar.stream.records.ZERO, PAGE: sidecar.stream.records.PAGE, XBZRLE: sidecar.stream.records.XBZRLE });
    expect(counts.XBZRLE).toBeGreaterThan(100);
    const ram = images.get("pc.ram")!;
    expect(md5(ram.subarray(0, 0xa0000))).toBe(sidecar.ram.md5_0_to_a0000);
    expect(md5(ram.subarray(0x100000))).toBe(sidecar.ram.md5_100000_to_end);
    for (const [block, sum] of Object.entries(sidecar.stream.rebuiltBlockMd5)) expect(md5(images.get(block)!), block).toBe(sum);
  });

  it("writes every RAM section body back byte-identically", () => {
    const state = newRamWriteState();
    expect(sections.length).toBeGreaterThan(10);
    for (const s of sections) {
      expect(sameBytes(writeRamRecords(s.records, state), buf.subarray(s.bodyStart, s.bodyEnd))).toBe(true);
    }
  });

  it("parses the same records when the bytes arrive a few at a time", () => {
    const state = newRamParseState();
    for (const s of sections) {
      const records: RamRecord[] = [];
      let pos = s.bodyStart;
      let end = s.bodyStart;
      let calls = 0;
      for (;;) {
        const progress = parseRamRecords(buf, pos, end, state, records);
        pos = progress.pos;
        if (progress.done) break;
        expect(progress.needed).toBeGreaterThan(0);
        // Every third call offers one byte less than asked for, to check
        // that a cut record is reported again and nothing is half-read.
        const short = ++calls % 3 === 0 && progress.needed > 1 ? 1 : 0;
        end = Math.min(s.bodyEnd, pos + progress.needed - short);
      }
      expect(pos).toBe(s.bodyEnd);
      expect(digest(records)).toEqual(digest(s.records));
    }
  });
});
