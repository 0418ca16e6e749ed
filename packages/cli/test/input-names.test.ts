/**
 * Every command that reads a snapshot names the input it could not read:
 * its one error line starts `qber: PATH: ` (`stdin: ` for -), whether the
 * input fails as it is opened or part way through decoding.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { qemu72Fixtures as fixtures } from "@qber/test-support";

const dir = mkdtempSync(join(tmpdir(), "qber-names-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

beforeAll(async () => {
  const mig = readFileSync(join(fixtures, "pc-paused.mig"));
  writeFileSync(at("cut.mig"), mig.subarray(0, 300_000));
  expect((await runCli(["import", join(fixtures, "pc-paused.mig"), "-o", at("whole.ber")])).code).toBe(0);
  const ber = readFileSync(at("whole.ber"));
  writeFileSync(at("cut.ber"), ber.subarray(0, ber.length >> 1));
});

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("input errors name the input", () => {
  // Each command, the input it is given, and its other arguments.
  const runs: [string, string, string[]][] = [
    ["import", "cut.mig", ["-o", at("i.ber")]],
    ["inspect", "cut.ber", []],
    ["inspect", "cut.mig", []],
    ["decode", "cut.ber", ["-o", at("d.json")]],
    ["extract-ram", "cut.ber", ["-o", at("ram")]],
    ["extract-ram", "cut.mig", ["-o", at("ram2")]],
    ["export", "cut.ber", ["-o", at("e.mig")]],
    ["report", "cut.ber", ["-o", at("r.html")]],
  ];
  for (const [command, file, rest] of runs) {
    it(`${command} ${file}`, async () => {
      const r = await runCli([command, at(file), ...rest]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^qber: ${escaped(at(file))}: truncated input: .* at byte \\d+`));
      expect(r.stderr.split("\n")).toHaveLength(2);
    });
  }

  it("validate: a limit hit while reading is a problem of the named input", async () => {
    const r = await runCli(["validate", at("whole.ber"), "--max-depth", "3"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${escaped(at("whole.ber"))}: 1 problem\\n.*nesting depth 4 exceeds the limit of 3`));
    expect(r.stderr).toBe(`qber: ${at("whole.ber")}: not valid (1 problem)\n`);
  });

  it("stdin is named stdin", async () => {
    const r = await runCli(["inspect", "-"], { stdin: readFileSync(at("cut.ber")) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^qber: stdin: truncated input: /);
  });
});
