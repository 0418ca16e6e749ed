/**
 * The qber command as a process: EPIPE under `| head` ends quietly, a
 * progress bar appears on a terminal (a pty from `script`) and never when
 * stderr is piped.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const qber = fileURLToPath(new URL("../../packages/cli/bin/qber.js", import.meta.url));
const fixture = fileURLToPath(new URL("../../fixtures/qemu-7.2/pc-addons.mig", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "qber-process-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sh = (command: string) => spawnSync("bash", ["-o", "pipefail", "-c", command], { encoding: "utf8" });
const hasScript = spawnSync("script", ["--version"]).status === 0;

describe("qber as a process", () => {
  it("`| head` (EPIPE) exits 0 with nothing on stderr", () => {
    const r = sh(`node ${qber} inspect ${fixture} --fields | head -1`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^#\s+id\s+name/);
    expect(r.stderr).toBe("");
    const binary = sh(`node ${qber} export <(node ${qber} import ${fixture} -o -) -o - | head -c 4`);
    expect(binary.stdout).toBe("QEVM");
    expect(binary.stderr).toBe("");
  });

  it("piped stderr stays silent on success", () => {
    const r = sh(`node ${qber} import ${fixture} -o ${join(dir, "a.ber")} 2>&1 | cat`);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
  });

  it.skipIf(!hasScript)("draws a progress line on a terminal, without colour codes", () => {
    // A pty for stderr (script), and an input that pauses so the bar has time to show.
    const slow = `{ head -c 100000 ${fixture}; sleep 0.8; tail -c +100001 ${fixture}; }`;
    const r = spawnSync("script", ["-qec", `${slow} | node ${qber} import - -o ${join(dir, "slow.ber")}`, "/dev/null"], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/import \d+(\.\d)? KiB .*\/s/);
    expect(r.stdout).not.toMatch(/\x1b\[[0-9;]*m/);
  });
});

describe("qber --version", () => {
  it("prints the version in @qber/cli's package.json", () => {
    const { version } = JSON.parse(readFileSync(fileURLToPath(new URL("../../packages/cli/package.json", import.meta.url)), "utf8")) as { version: string };
    const r = spawnSync("node", [qber, "--version"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });

  it("follows package.json, not a number written into the code (the bundle in a package of another version)", () => {
    const pkg = join(dir, "versioned");
    mkdirSync(join(pkg, "dist"), { recursive: true });
    copyFileSync(fileURLToPath(new URL("../../packages/cli/dist/qber.mjs", import.meta.url)), join(pkg, "dist", "qber.mjs"));
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "@qber/cli", version: "9.8.7-test", type: "module" }));
    const r = spawnSync("node", [join(pkg, "dist", "qber.mjs"), "--version"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("9.8.7-test\n");
  });
});
