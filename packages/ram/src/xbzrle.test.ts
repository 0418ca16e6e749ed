import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referenceDecode, referenceEncode } from "../test/xbzrle-reference.js";
import { xbzrleDecode, xbzrleEncode } from "./xbzrle.js";
import { prng } from "@qber/test-support";

type Change =
  | { readonly kind: "identical" }
  | { readonly kind: "clusters"; readonly count: number; readonly maxLength: number }
  | { readonly kind: "scattered"; readonly percent: number }
  | { readonly kind: "words"; readonly percent: number };

interface PairSpec {
  readonly size: number;
  readonly seed: number;
  readonly content: "random" | "zeros" | "sparse";
  readonly change: Change;
}

function makePair(spec: PairSpec): [Uint8Array, Uint8Array] {
  const rnd = prng(spec.seed);
  const old = new Uint8Array(spec.size);
  for (let i = 0; i < old.length; i++) {
    if (spec.content === "random") old[i] = rnd();
    else if (spec.content === "sparse" && rnd() % 16 === 0) old[i] = rnd();
  }
  const cur = old.slice();
  const flip = (i: number) => {
    cur[i] = old[i]! ^ (1 + (rnd() % 255));
  };
  const c = spec.change;
  if (c.kind === "clusters") {
    for (let k = 0; k < c.count && spec.size > 0; k++) {
      const at = rnd() % spec.size;
      const len = 1 + (rnd() % c.maxLength);
      for (let i = at; i < Math.min(spec.size, at + len); i++) flip(i);
    }
  } else if (c.kind === "scattered") {
    for (let i = 0; i < spec.size; i++) if (rnd() % 100 < c.percent) flip(i);
  } else if (c.kind === "words") {
    // Whole 8-byte words, like a guest storing u64 values.
    for (let w = 0; w + 8 <= spec.size; w += 8) if (rnd() % 100 < c.percent) for (let i = w; i < w + 8; i++) flip(i);
  }
  return [old, cur];
}

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.constant<Change>({ kind: "identical" }),
  fc.record({ kind: fc.constant("clusters" as const), count: fc.integer({ min: 1, max: 40 }), maxLength: fc.integer({ min: 1, max: 700 }) }),
  fc.record({ kind: fc.constant("scattered" as const), percent: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ kind: fc.constant("words" as const), percent: fc.integer({ min: 0, max: 100 }) }),
);

const pairSpec: fc.Arbitrary<PairSpec> = fc.record({
  size: fc.oneof(fc.constant(4096), fc.constant(4096), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0x3fff })),
  seed: fc.integer(),
  content: fc.constantFrom("random" as const, "zeros" as const, "sparse" as const),
  change,
});

/** Output limits: QEMU's (the page size) and ones that cut payloads short. */
const limitFor = (size: number, pick: number, near: number): number => {
  switch (pick % 5) {
    case 0:
      return size;
    case 1:
      return near;
    case 2:
      return 2 * size + 64;
    case 3:
      return pick % 7;
    default:
      return Math.max(0, Math.floor(size / (2 + (pick % 9))));
  }
};

describe("xbzrleEncode", () => {
  it("agrees byte for byte with the plain reference encoder, -1 and 0 included", () => {
    fc.assert(
      fc.property(pairSpec, fc.nat(), fc.integer({ min: -4, max: 4 }), (spec, pick, delta) => {
        const [old, cur] = makePair(spec);
        const full = referenceEncode(old, cur, Infinity).length;
        const limit = limitFor(spec.size, pick, Math.max(0, full + delta));
        const want = referenceEncode(old, cur, limit);
        const out = new Uint8Array(limit);
        const got = xbzrleEncode(old, cur, out);
        expect(got).toBe(want.length);
        if (got > 0) expect(out.subarray(0, got)).toEqual(want.payload);
      }),
      { numRuns: 600 },
    );
  });

  it("round-trips through the decoder whenever it succeeds", () => {
    fc.assert(
      fc.property(pairSpec, (spec) => {
        const [old, cur] = makePair(spec);
        const out = new Uint8Array(spec.size);
        const n = xbzrleEncode(old, cur, out);
        if (n < 0) return;
        const page = old.slice();
        xbzrleDecode(out.subarray(0, n), page);
        expect(page).toEqual(cur);
      }),
      { numRuns: 400 },
    );
  });

  it("handles run lengths at the 1-byte/2-byte boundary and runs at both page ends", () => {
    for (const [at, len] of [
      [0, 127],
      [0, 128],
      [127, 1],
      [128, 1],
      [4095, 1],
      [3968, 128],
      [0, 4096],
      [63, 2],
      [64, 64],
    ] as const) {
      const old = new Uint8Array(4096);
      const cur = old.slice();
      cur.fill(7, at, at + len);
      const out = new Uint8Array(4096);
      const want = referenceEncode(old, cur, 4096);
      const n = xbzrleEncode(old, cur, out);
      expect(n).toBe(want.length);
      if (n > 0) expect(out.subarray(0, n)).toEqual(want.payload);
    }
  });

  it("gives 0 for identical pages and -1 when not even 2 bytes fit", () => {
    const page = new Uint8Array(4096).fill(3);
    expect(xbzrleEncode(page, page.slice(), new Uint8Array(4096))).toBe(0);
    expect(xbzrleEncode(page, page.slice(), new Uint8Array(1))).toBe(-1);
  });

  it("rejects pages of different or unsupported lengths", () => {
    expect(() => xbzrleEncode(new Uint8Array(8), new Uint8Array(16), new Uint8Array(8))).toThrow(RangeError);
    expect(() => xbzrleEncode(new Uint8Array(0x4000), new Uint8Array(0x4000), new Uint8Array(8))).toThrow(RangeError);
  });
});

const bytes = (...b: number[]) => Uint8Array.from(b);

describe("xbzrleDecode", () => {
  const rejects: [string, Uint8Array, RegExp, number][] = [
    ["a zrun with fewer than 2 bytes left", bytes(0x05), /unchanged-run length is cut off/, 0],
    ["a zrun after a run, 1 byte left", bytes(0x00, 0x01, 0xaa, 0x05), /unchanged-run length is cut off/, 3],
    ["a zrun length over 14 bits", bytes(0x81, 0x80, 0x01, 0x01), /unchanged-run length is longer than 14 bits/, 0],
    ["an empty zrun after the first", bytes(0x00, 0x01, 0xaa, 0x00, 0x01, 0xbb), /empty unchanged run/, 3],
    ["a zrun past the page end", bytes(0x81, 0x20, 0x01, 0xaa), /unchanged run ends at 4097/, 0],
    ["a payload ending after a zrun", bytes(0x00, 0x01, 0xaa, 0x81, 0x00), /changed-run length is cut off/, 5],
    ["an nzrun with 1 byte left", bytes(0x05, 0x01), /changed-run length is cut off/, 1],
    ["an nzrun length over 14 bits", bytes(0x05, 0x81, 0x80, 0x00), /changed-run length is longer than 14 bits/, 1],
    ["an empty nzrun", bytes(0x05, 0x00, 0xaa), /empty changed run/, 1],
    ["an nzrun past the page end", bytes(0xff, 0x1f, 0x02, 0xaa, 0xbb), /changed run ends at 4097/, 2],
    ["an nzrun past the payload end", bytes(0x05, 0x03, 0xaa, 0xbb), /changed run needs 3 bytes, 2 left/, 1],
  ];
  for (const [what, payload, message, offset] of rejects) {
    it(`rejects ${what}`, () => {
      const page = new Uint8Array(4096);
      let error: unknown;
      try {
        xbzrleDecode(payload, page);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ name: "QberDecodeError", offset });
      expect(String((error as Error).message)).toMatch(message);
    });
  }

  it("accepts what QEMU 7.2 accepts: empty payload, non-minimal lengths, partial coverage", () => {
    const page = new Uint8Array(4096).fill(1);
    xbzrleDecode(new Uint8Array(0), page);
    expect(page.every((b) => b === 1)).toBe(true);
    // zrun 1 written as 81 00, nzrun 2 written as 82 00.
    xbzrleDecode(bytes(0x81, 0x00, 0x82, 0x00, 9, 8), page);
    expect([...page.subarray(0, 4)]).toEqual([1, 9, 8, 1]);
    // A run that ends exactly at the page end.
    xbzrleDecode(bytes(0xfe, 0x1f, 0x02, 5, 6), page);
    expect([...page.subarray(4094)]).toEqual([5, 6]);
  });

  it("behaves like the plain reference decoder on arbitrary payloads, never writing outside the page", () => {
    const payloads = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      // Mostly well-formed: small runs with an occasional corrupted byte.
      fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.uint8Array({ minLength: 0, maxLength: 5 })), { maxLength: 20 }).map((runs) => {
        const out: number[] = [];
        for (const [z, nz] of runs) {
          out.push(...(z < 128 ? [z] : [(z & 0x7f) | 0x80, z >> 7]), nz.length, ...nz);
        }
        return Uint8Array.from(out);
      }),
    );
    fc.assert(
      fc.property(payloads, fc.integer({ min: 1, max: 600 }), (payload, size) => {
        const backing = new Uint8Array(size + 32).fill(0xee);
        const page = backing.subarray(16, 16 + size);
        const want = referenceDecode(payload, page);
        let threw = false;
        try {
          xbzrleDecode(payload, page);
        } catch (e) {
          expect((e as Error).name).toBe("QberDecodeError");
          threw = true;
        }
        expect(threw).toBe(typeof want === "string");
        if (typeof want !== "string") expect(page).toEqual(want);
        expect(backing.subarray(0, 16).every((b) => b === 0xee)).toBe(true);
        expect(backing.subarray(16 + size).every((b) => b === 0xee)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
