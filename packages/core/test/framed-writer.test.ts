import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Framing, FramedWriter, type SecMinSizes, ramBlockLengths, ramPageDerSize, secMinDerSize, secMinLengths } from "../src/index.js";
import type { QemuFile } from "../src/types.js";
import { encodeValue } from "../src/value-codec.js";
import { qemuFile } from "./arbitraries.js";

const utf8 = new TextEncoder();

/** Writes `v` through FramedWriter, measuring first as a DER writer must. */
async function write(v: QemuFile, framing: Framing): Promise<string> {
  const sizes = v.top.map((s): number | SecMinSizes => {
    if (s.kind === "full") return encodeValue("SecFull", s).length;
    return {
      names: s.contents.value.map((b) => utf8.encode(b.name)),
      pagelists: s.contents.value.map((b) => b.pages.reduce((n, p) => n + ramPageDerSize(p), 0)),
    };
  });
  const top = v.top.reduce((n, s, i) => {
    const size = sizes[i]!;
    return n + (typeof size === "number" ? size : secMinDerSize(s.kind === "min" ? s.sectionId : 0n, size));
  }, 0);
  const chunks: Uint8Array[] = [];
  const w = new FramedWriter((c) => void chunks.push(c.slice()), framing);
  w.begin(top);
  v.top.forEach((s, i) => {
    if (s.kind === "full") return void w.raw(encodeValue("SecFull", s));
    const size = sizes[i] as SecMinSizes;
    w.beginMin(s.sectionId, framing, secMinLengths(s.sectionId, size));
    s.contents.value.forEach((b, j) => {
      w.beginBlock(b.name, ramBlockLengths(size, j));
      for (const p of b.pages) w.page(p);
      w.endBlock();
    });
    w.endMin();
  });
  await w.end();
  return Buffer.concat(chunks).toString("hex");
}

describe("FramedWriter and the DER sizes", () => {
  it("measured sizes give the DER encoding; indefinite framing gives the streaming one", async () => {
    await fc.assert(
      fc.asyncProperty(qemuFile, async (v) => {
        expect(await write(v, "definite")).toBe(Buffer.from(encodeValue("QemuFile", v)).toString("hex"));
        expect(await write(v, "indefinite")).toBe(Buffer.from(encodeValue("QemuFile", v, { streaming: true })).toString("hex"));
      }),
      { numRuns: 200 },
    );
  });

  it("has no lengths for a block the measuring pass did not see", () => {
    expect(ramBlockLengths({ names: [utf8.encode("pc.ram")], pagelists: [0] }, 1)).toBeUndefined();
  });
});
