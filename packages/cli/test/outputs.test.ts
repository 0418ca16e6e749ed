/**
 * Where outputs may go, the same for every command that writes a file: an
 * output in a folder that does not exist is refused, naming the path, before
 * any work (extract-ram's -o is a folder, which it creates); and a failed
 * command leaves nothing it made, folders included.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { stdin } from "../src/cli/input.js";
import { runCli } from "./run-cli.js";

const mig = fileURLToPath(new URL("../../../fixtures/qemu-7.2/pc-paused.mig", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "qber-outputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ber = join(dir, "in.ber");
const json = join(dir, "in.json");
const truncated = join(dir, "truncated.ber");
beforeAll(async () => {
  expect((await runCli(["import", mig, "-o", ber])).code).toBe(0);
  expect((await runCli(["decode", ber, "-o", json])).code).toBe(0);
  const bytes = readFileSync(ber);
  writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
});

const writers: Record<string, (out: string) => string[]> = {
  import: (out) => ["import", mig, "-o", out],
  export: (out) => ["export", ber, "-o", out],
  decode: (out) => ["decode", ber, "-o", out],
  encode: (out) => ["encode", json, "-o", out],
  report: (out) => ["report", ber, "-o", out],
  compose: (out) => ["compose", "--machine", "pc", "--memory", "2M", "-o", out],
};

describe("an output in a missing folder", () => {
  for (const [name, argv] of Object.entries(writers)) {
    for (const out of ["missing/x.out", "missing/sub/x.out", "missing/"]) {
      it(`${name} -o ${out}: refused, naming the path, exit 1, no folder made`, async () => {
        const path = join(dir, out);
        const r = await runCli(argv(path));
        expect(r).toMatchObject({ code: 1, stdout: "", stderr: `qber: cannot write ${path}: no such directory\n` });
        expect(existsSync(join(dir, "missing"))).toBe(false);
        expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      });
    }
  }

  // stdin that gives its first bytes and then never ends: the refusal must not wait for the rest.
  const endless = (head: Uint8Array) =>
    (async function* () {
      yield head;
      await new Promise(() => undefined);
    })();

  it("report and encode refuse it before reading their input", async () => {
    const source = vi.spyOn(stdin, "source");
    try {
      source.mockReturnValue(endless(readFileSync(ber).subarray(0, 64 * 1024)));
      const report = await runCli(["report", "-", "-o", join(dir, "missing", "r.html")]);
      expect(report).toMatchObject({ code: 1, stderr: `qber: cannot write ${join(dir, "missing", "r.html")}: no such directory\n` });
      source.mockReturnValue(endless(readFileSync(json).subarray(0, 64 * 1024)));
      const encode = await runCli(["encode", "-", "-o", join(dir, "missing", "e.ber")]);
      expect(encode).toMatchObject({ code: 1, stderr: `qber: cannot write ${join(dir, "missing", "e.ber")}: no such directory\n` });
    } finally {
      source.mockRestore();
    }
  }, 10_000);
});

describe("a failed command leaves nothing it made", () => {
  it("extract-ram of a truncated snapshot: no images, no temporaries, and not the folder it created", async () => {
    const out = join(dir, "made", "ram");
    const r = await runCli(["extract-ram", truncated, "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^qber: /);
    expect(existsSync(join(dir, "made"))).toBe(false);
  });

  it("extract-ram into a folder that exists keeps the folder and what was in it", async () => {
    const out = join(dir, "kept");
    const r1 = await runCli(["extract-ram", ber, "-o", out]);
    expect(r1.code).toBe(0);
    const before = readdirSync(out).sort();
    const r2 = await runCli(["extract-ram", truncated, "-o", out]);
    expect(r2.code).toBe(1);
    expect(readdirSync(out).sort()).toEqual(before);
  });
});
