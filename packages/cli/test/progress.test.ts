/**
 * Every long command draws the progress line on a terminal (docs/cli.md):
 * stderr is made a terminal and the clock steps a second per reading, so
 * each update is due and the test does not depend on how fast it runs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "./run-cli.js";

const mig = fileURLToPath(new URL("../../../fixtures/qemu-7.2/pc-paused.mig", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "qber-progress-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ber = join(dir, "in.ber");
const json = join(dir, "in.json");
beforeAll(async () => {
  expect((await runCli(["import", mig, "-o", ber])).code).toBe(0);
  expect((await runCli(["decode", ber, "-o", json])).code).toBe(0);
});

/** Runs with stderr a terminal and a clock that moves on a second at every look. */
async function onTerminal(argv: string[]) {
  const stderr = process.stderr as { isTTY?: boolean; columns?: number };
  const saved = { isTTY: stderr.isTTY, columns: stderr.columns };
  let now = Date.now();
  vi.spyOn(Date, "now").mockImplementation(() => (now += 1000));
  stderr.isTTY = true;
  stderr.columns = 200;
  try {
    return await runCli(argv);
  } finally {
    stderr.isTTY = saved.isTTY;
    stderr.columns = saved.columns;
  }
}
afterEach(() => vi.restoreAllMocks());

const commands: Record<string, { argv: () => string[]; label: string }> = {
  import: { argv: () => ["import", mig, "-o", join(dir, "a.ber")], label: "import" },
  export: { argv: () => ["export", ber, "-o", join(dir, "a.mig")], label: "export" },
  decode: { argv: () => ["decode", ber, "-o", join(dir, "a.json")], label: "decode" },
  encode: { argv: () => ["encode", mig, "-o", join(dir, "b.ber")], label: "encode" },
  validate: { argv: () => ["validate", ber], label: "validate" },
  diff: { argv: () => ["diff", ber, mig], label: `read ${ber}` },
  report: { argv: () => ["report", ber, "-o", join(dir, "a.html")], label: `read ${ber}` },
  "extract-ram": { argv: () => ["extract-ram", mig, "-o", join(dir, "ram")], label: "extract-ram" },
};

describe("the progress line", () => {
  for (const [name, c] of Object.entries(commands)) {
    it(`${name} draws it on a terminal, and clears it at the end`, async () => {
      const r = await onTerminal(c.argv());
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`\r${c.label} `);
      expect(r.stderr).toMatch(/\/s( ETA \d+s)?\x1b\[K/);
      expect(r.stderr.endsWith("\r\x1b[K")).toBe(true);
    });
  }

  it("extract-ram shows the share of its input read", async () => {
    const r = await onTerminal(["extract-ram", mig, "-o", join(dir, "ram2")]);
    expect(r.stderr).toMatch(/\rextract-ram \[[#-]{24}\] \d+% /);
  });

  it("--quiet and a stderr that is no terminal draw nothing", async () => {
    expect((await onTerminal(["-q", "extract-ram", mig, "-o", join(dir, "ram3")])).stderr).toBe("");
    expect((await runCli(["extract-ram", mig, "-o", join(dir, "ram4")])).stderr).toBe("");
  });
});
