import { describe, expect, it } from "vitest";
import { CACHED_PAGE_LIFETIME, XbzrleCache } from "./xbzrle-cache.js";

const PAGE = 4096;
const page = (b: number) => new Uint8Array(PAGE).fill(b);

describe("XbzrleCache", () => {
  it("rounds its size down to a power-of-two number of pages, like QEMU", () => {
    expect(new XbzrleCache(PAGE).slots).toBe(1);
    expect(new XbzrleCache(3 * PAGE).slots).toBe(2);
    expect(new XbzrleCache(64 * 2 ** 20).slots).toBe(16384);
    expect(new XbzrleCache(5 * PAGE + 17).sizeBytes).toBe(4 * PAGE);
    expect(() => new XbzrleCache(PAGE - 1)).toThrow(RangeError);
  });

  it("is direct-mapped by page address", () => {
    const c = new XbzrleCache(4 * PAGE);
    expect(c.slotOf(0)).toBe(0);
    expect(c.slotOf(5 * PAGE)).toBe(1);
    expect(c.slotOf(2 ** 40 + 3 * PAGE)).toBe(3);
    expect(c.lookup(0, 1)).toBe(-1);
    expect(c.insert(5 * PAGE, page(7), 1)).toBe(1);
    expect(c.has(5 * PAGE)).toBe(true);
    expect(c.has(PAGE)).toBe(false);
    expect(c.lookup(PAGE, 1)).toBe(-1);
    expect(c.lookup(5 * PAGE, 1)).toBe(1);
    expect(c.page(1)[0]).toBe(7);
    expect(c.count).toBe(1);
  });

  it("replaces another page's entry only after CACHED_PAGE_LIFETIME cycles unused", () => {
    expect(CACHED_PAGE_LIFETIME).toBe(2);
    const c = new XbzrleCache(PAGE);
    expect(c.insert(0, page(1), 2)).toBe(0);
    expect(c.insert(PAGE, page(2), 2)).toBe(-1);
    expect(c.insert(PAGE, page(2), 3)).toBe(-1);
    // A hit refreshes the age.
    expect(c.lookup(0, 3)).toBe(0);
    expect(c.insert(PAGE, page(2), 4)).toBe(-1);
    expect(c.insert(PAGE, page(2), 5)).toBe(0);
    expect(c.page(0)[0]).toBe(2);
    expect(c.lookup(0, 5)).toBe(-1);
    // The owner itself may always be updated; undefined stores zeros.
    expect(c.insert(PAGE, undefined, 5)).toBe(0);
    expect(c.page(0).every((b) => b === 0)).toBe(true);
    expect(c.count).toBe(1);
    c.clear();
    expect(c.count).toBe(0);
    expect(c.lookup(PAGE, 6)).toBe(-1);
  });
});
