/**
 * Changesets version the packages independently. In a temporary copy of the
 * workspace's manifests and .changeset/config.json (a git repository of its
 * own, node_modules linked to the repository's), a changeset is added and
 * `changeset status` / `changeset version` are run; nothing is written to the
 * repository.
 *
 * The plugin packages peer-depend on @qber/core (and devices on
 * @qber/vmstate) with ">=0.1.0 <1.0.0", and .changeset/config.json sets
 * onlyUpdatePeerDependentsWhenOutOfRange: a core minor leaves ram, vmstate
 * and devices at their versions (only their devDependency ranges move); a
 * core major leaves their peer range and makes them major too. @qber/cli
 * depends on core with "^0.1.0", which 0.2.0 leaves: cli gets a patch
 * (updateInternalDependencies "patch") with the new range.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { npmEnv, repoRoot, runOk } from "./common.js";

const changeset = join(repoRoot, "node_modules/@changesets/cli/bin.js");
const workspaces = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { workspaces: string[] }).workspaces;
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

interface Release {
  readonly name: string;
  readonly type: "none" | "patch" | "minor" | "major";
  readonly oldVersion: string;
  readonly newVersion: string;
}

const git = (cwd: string, ...args: string[]) =>
  runOk("git", ["-c", "user.name=qber-test", "-c", "user.email=qber-test@invalid", "-c", "commit.gpgsign=false", ...args], { cwd });

/** A copy of the workspace as changesets sees it, with `changesets` (file name -> text) added. */
async function workspaceWith(changesets: Record<string, string>): Promise<string> {
  const t = mkdtempSync(join(tmpdir(), "qber-changesets-"));
  temps.push(t);
  cpSync(join(repoRoot, "package.json"), join(t, "package.json"));
  mkdirSync(join(t, ".changeset"));
  cpSync(join(repoRoot, ".changeset/config.json"), join(t, ".changeset/config.json"));
  for (const w of workspaces) {
    mkdirSync(join(t, w), { recursive: true });
    cpSync(join(repoRoot, w, "package.json"), join(t, w, "package.json"));
  }
  symlinkSync(join(repoRoot, "node_modules"), join(t, "node_modules"), "dir");
  await git(t, "init", "-q", "-b", "main");
  await git(t, "add", "-A");
  await git(t, "commit", "-q", "-m", "base");
  for (const [name, text] of Object.entries(changesets)) writeFileSync(join(t, ".changeset", name), text);
  return t;
}

async function plan(cwd: string): Promise<Map<string, Release>> {
  await runOk(process.execPath, [changeset, "status", "--verbose", "--output=release-plan.json"], { cwd, env: npmEnv() });
  const { releases } = JSON.parse(readFileSync(join(cwd, "release-plan.json"), "utf8")) as { releases: Release[] };
  return new Map(releases.map((r) => [r.name, r]));
}

const manifest = (cwd: string, dir: string) =>
  JSON.parse(readFileSync(join(cwd, "packages", dir, "package.json"), "utf8")) as {
    version: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
const version = (dir: string): string => manifest(repoRoot, dir).version;
const bump = (v: string, type: "minor" | "major" | "patch"): string => {
  const [major, minor, patch] = v.split(".").map(Number) as [number, number, number];
  if (type === "major") return `${major + 1}.0.0`;
  if (type === "minor") return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
};
const only = (pkg: string, type: string): string => `---\n"${pkg}": ${type}\n---\n\nA ${type} change of ${pkg} (packaging test).\n`;

describe("changesets version packages independently", () => {
  it("a minor of @qber/core leaves the peer-dependent plugin packages at their versions", async () => {
    const t = await workspaceWith({ "core-minor.md": only("@qber/core", "minor") });
    const releases = await plan(t);
    const core = bump(version("core"), "minor");
    expect(releases.get("@qber/core")).toMatchObject({ type: "minor", newVersion: core });
    for (const p of ["ram", "vmstate", "devices"]) {
      expect(releases.get(`@qber/${p}`)?.newVersion ?? version(p), `@qber/${p}`).toBe(version(p));
    }
    // cli's "^x.y.z" dependency on core: out of range after a 0.x minor, so a patch.
    expect(releases.get("@qber/cli")).toMatchObject({ type: "patch", newVersion: bump(version("cli"), "patch") });

    await runOk(process.execPath, [changeset, "version"], { cwd: t, env: npmEnv() });
    expect(manifest(t, "core").version).toBe(core);
    for (const p of ["ram", "vmstate", "devices"]) {
      const m = manifest(t, p);
      expect(m.version, `@qber/${p}`).toBe(version(p));
      expect(m.peerDependencies, `@qber/${p} peer ranges`).toEqual(manifest(repoRoot, p).peerDependencies);
      expect(m.devDependencies?.["@qber/core"]).toBe(`^${core}`);
    }
    expect(manifest(t, "cli").dependencies?.["@qber/core"]).toBe(`^${core}`);
    expect(readdirSync(join(t, ".changeset")).filter((f) => f.endsWith(".md"))).toEqual([]);
  }, 120_000);

  it("a major of @qber/core leaves the plugins' peer range, and they go major", async () => {
    const t = await workspaceWith({ "core-major.md": only("@qber/core", "major") });
    const releases = await plan(t);
    expect(releases.get("@qber/core")?.type).toBe("major");
    for (const p of ["ram", "vmstate", "devices"]) expect(releases.get(`@qber/${p}`)?.type, `@qber/${p}`).toBe("major");
  }, 120_000);

  it("the repository's pending changesets bump nothing to a major they do not name", async () => {
    const pending: Record<string, string> = {};
    for (const f of readdirSync(join(repoRoot, ".changeset"))) {
      if (f.endsWith(".md") && f !== "README.md") pending[f] = readFileSync(join(repoRoot, ".changeset", f), "utf8");
    }
    const t = await workspaceWith(pending);
    const releases = await plan(t);
    const namedMajor = new Set(Object.values(pending).flatMap((text) => [...text.matchAll(/^"([^"]+)":\s*major\s*$/gm)].map((m) => m[1]!)));
    for (const r of releases.values()) if (r.type === "major") expect(namedMajor, `${r.name} goes major`).toContain(r.name);
  }, 120_000);
});
