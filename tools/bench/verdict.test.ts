import { describe, expect, it } from "vitest";
import type { BenchResult } from "./types.js";
import { judge, renderVerdict } from "./verdict.js";

const xbzrleFarFromC: BenchResult = {
  figures: {},
  checks: [{ name: "ram zero-page classify", value: 0.9, min: 0.75 }],
  comparisons: [{ name: "ram xbzrle decode clustered1 vs memcpy", value: 1.2, anchor: 14, anchorName: "QEMU 7.2's C code" }],
};

describe("the bench's verdict", () => {
  it("a comparison with QEMU's C code never fails the run, however far behind", () => {
    const v = judge({ xbzrle: xbzrleFarFromC });
    expect(v.exitCode).toBe(0);
    expect(v.comparisons).toEqual([{ suite: "xbzrle", ...xbzrleFarFromC.comparisons![0]! }]);
    const lines = renderVerdict(v);
    expect(lines).toContainEqual(expect.stringMatching(/^ok {3}ram zero-page classify +0\.900 \(goal >= 0\.75\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {5}ram xbzrle decode clustered1 vs memcpy +1\.200 \(QEMU 7\.2's C code: 14\.000\)$/));
    expect(lines.join("\n")).not.toMatch(/MISS/);
  });

  it("a goal the project holds fails the run when missed, at either bound", () => {
    const low = judge({ core: { figures: {}, checks: [{ name: "decode vs copy", value: 0.2, min: 0.35 }] } });
    expect(low.exitCode).toBe(1);
    expect(renderVerdict(low)).toEqual([expect.stringMatching(/^MISS decode vs copy +0\.200 \(goal >= 0\.35\)$/)]);
    const high = judge({ core: { figures: {}, checks: [{ name: "peak RSS MiB", value: 130, max: 96 }] } });
    expect(high.exitCode).toBe(1);
    const within = judge({ core: { figures: {}, checks: [{ name: "ratio", value: 1, min: 0.5, max: 2 }] }, xbzrle: xbzrleFarFromC });
    expect(within.exitCode).toBe(0);
  });

  it("the xbzrle suite reports its speeds against QEMU's C code as comparisons, not goals", async () => {
    const { runXbzrle } = await import("./xbzrle.js");
    const r = await runXbzrle({ quick: true });
    expect(r.checks.map((c) => c.name)).toEqual(["ram zero-page classify 4MiB (60% zero) vs memcpy"]);
    expect(r.comparisons!.map((c) => c.name)).toHaveLength(6);
    for (const c of r.comparisons!) expect(c).toMatchObject({ name: expect.stringMatching(/^ram xbzrle (en|de)code /), anchorName: "QEMU 7.2's C code" });
  });
});
