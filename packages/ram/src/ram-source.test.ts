import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bufferRamSource, fileRamSource, fileRamSourceAsync, generatedRamSource } from "./ram-source.js";

const PAGE = 4096;

describe("RAM sources", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "qber-source-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("read pages from memory without copying when asked for a view", () => {
    const bytes = new Uint8Array(3 * PAGE);
    bytes[PAGE + 5] = 9;
    const s = bufferRamSource("pc.ram", bytes);
    expect([s.name, s.length]).toEqual(["pc.ram", 3 * PAGE]);
    const out = new Uint8Array(2 * PAGE);
    s.read(1, 2, out);
    expect(out[5]).toBe(9);
    const v = s.view!(1, 1);
    expect(v.buffer).toBe(bytes.buffer);
    expect(v[5]).toBe(9);
    expect(() => s.read(2, 2, out)).toThrow(RangeError);
    expect(() => s.read(0, 2, new Uint8Array(PAGE))).toThrow(RangeError);
  });

  it("generate pages on demand into zeroed pages", () => {
    const calls: number[] = [];
    const s = generatedRamSource("gen", 2 ** 40, (i, page) => {
      calls.push(i);
      if (i % 2) page[0] = i & 0xff;
    });
    expect(s.length).toBe(2 ** 40);
    const out = new Uint8Array(2 * PAGE).fill(0xee);
    s.read(2 ** 28 - 2, 2, out);
    expect(calls).toEqual([2 ** 28 - 2, 2 ** 28 - 1]);
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(0);
    expect(out[PAGE]).toBe(0xff);
  });

  it("read raw image files with positioned reads, zeros past the end", async () => {
    const path = join(dir, "ram.img");
    const bytes = new Uint8Array(2 * PAGE);
    bytes[PAGE] = 3;
    writeFileSync(path, bytes);
    const s = fileRamSource("pc.ram", path);
    expect(s.length).toBe(2 * PAGE);
    const out = new Uint8Array(PAGE);
    s.read(1, 1, out);
    expect(out[0]).toBe(3);
    s.close();
    expect(() => s.read(0, 1, out)).toThrow(/closed/);
    const longer = fileRamSource("pc.ram", path, { length: 4 * PAGE });
    const tail = new Uint8Array(3 * PAGE).fill(1);
    longer.read(1, 3, tail);
    expect(tail[0]).toBe(3);
    expect(tail.subarray(PAGE).every((b) => b === 0)).toBe(true);
    longer.close();
    const a = await fileRamSourceAsync("pc.ram", path);
    const out2 = new Uint8Array(PAGE);
    await a.read(1, 1, out2);
    expect(out2[0]).toBe(3);
    await a.close();
    writeFileSync(join(dir, "odd.img"), new Uint8Array(PAGE + 1));
    expect(() => fileRamSource("x", join(dir, "odd.img"))).toThrow(/multiple of 4096/);
  });

  it("check names and lengths", () => {
    expect(() => bufferRamSource("", new Uint8Array(PAGE))).toThrow(/name/);
    expect(() => bufferRamSource("x".repeat(256), new Uint8Array(PAGE))).toThrow(/name/);
    expect(() => generatedRamSource("x", 100, () => undefined)).toThrow(/multiple/);
  });
});
