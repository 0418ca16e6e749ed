/**
 * Long arrays in the report's device tree: the first and last entries (and
 * every changed one) in view, each run between as one "N more" button whose
 * gzipped HTML is the same markup the entries in view have; the add-on
 * machine's report (e1000's 32,768 MAC registers) stays under 1 MB.
 */
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defaultRegistry } from "@qber/devices";
import { openFile, readAsBer } from "@qber/qemu/input";
import { summarizeSnapshot } from "../diff/summary.js";
import type { SectionState, SnapshotSummary } from "../diff/summary.js";
import { renderReport } from "./render.js";

const summary = (fields: unknown): SnapshotSummary => ({
  sections: [],
  states: [{ name: "dev", instance: 0, version: 1, kind: "device", decodedBy: "plugin", fields } satisfies SectionState],
  ram: [],
  guestPhysical: { error: "no configuration section naming the machine type" },
  bytes: 0,
});

const folds = (html: string): string[] => {
  const data = JSON.parse(/<script type="application\/json" id="qber-report-data">(.*?)<\/script>/s.exec(html)![1]!) as { folds: string[] };
  return data.folds.map((b) => gunzipSync(Buffer.from(b, "base64")).toString("utf8"));
};
const paths = (html: string): string[] => [...html.matchAll(/<li class="leaf[^"]*" data-path="([^"]+)"/g)].map((m) => m[1]!);

describe("folded arrays in the report", () => {
  const regs = Array.from({ length: 40 }, (_, i) => i * 3);

  it("keeps the first and last three entries of a long array in view, the rest behind one button", () => {
    const html = renderReport({ name: "a", summary: summary({ regs, short: [1, 2, 3] }) });
    expect(paths(html)).toEqual(["regs[0]", "regs[1]", "regs[2]", "regs[37]", "regs[38]", "regs[39]", "short[0]", "short[1]", "short[2]"]);
    expect(html).toContain('<button type="button" class="more" data-fold="0">… 34 more</button>');
    const [hidden] = folds(html);
    expect(paths(hidden!)).toEqual(Array.from({ length: 34 }, (_, i) => `regs[${i + 3}]`));
    // The same markup as an entry in view.
    expect(hidden).toContain('<li class="leaf" data-path="regs[10]"><span class="k">[10]</span>: <span class="v">30</span></li>');
  });

  it("in a diff, a changed entry stays in view and splits the fold", () => {
    const b = regs.slice();
    b[20] = 999;
    const html = renderReport({ name: "a", summary: summary({ regs }) }, { name: "b", summary: summary({ regs: b }) });
    expect(paths(html)).toContain("regs[20]");
    expect(html).toMatch(/<li class="leaf changed" data-path="regs\[20\]">.*?60<\/span> <span class="arrow">→<\/span> <span class="v new">999/);
    expect(folds(html).map((f) => paths(f).length)).toEqual([17, 16]);
  });

  it("the add-on machine's report is under 1 MB", async () => {
    const input = await openFile(fileURLToPath(new URL("../../../../fixtures/qemu-7.2/pc-addons.mig", import.meta.url)));
    const s = await readAsBer(input, (source) => summarizeSnapshot(source, { registry: defaultRegistry }), { registry: defaultRegistry });
    const html = renderReport({ name: "pc-addons.mig", summary: s });
    expect(Buffer.byteLength(html)).toBeLessThan(1024 * 1024);
    const e1000 = folds(html).find((f) => f.includes('data-path="full_mac_state.mac_reg[3]"'))!;
    expect(paths(e1000)).toHaveLength(32768 - 6);
  });
});
