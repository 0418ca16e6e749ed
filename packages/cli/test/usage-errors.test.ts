/** Usage errors speak like every other failure: lines starting "qber:", exit 2. */
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const misuses: readonly (readonly string[])[] = [
  ["--bogus"],
  ["nosuch"],
  ["import", "x.mig"],
  ["inspect"],
  ["inspect", "--fieldz", "x.ber"],
  ["compose", "--format", "xyz", "-o", "x.ber"],
  ["diff", "a", "b", "c"],
  ["diff", "a", "b", "--xbzrle-cache", "lots"],
  ["validate", "x.ber", "--max-problems", "0"],
];

describe("usage errors", () => {
  it.each(misuses.map((argv) => [argv.join(" "), argv] as const))("qber %s: every line on stderr starts with qber:, exit 2", async (_, argv) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^qber: \S/);
    expect(r.stderr).not.toMatch(/^error:/m);
  });
});
