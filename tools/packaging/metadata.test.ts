/**
 * What a user who has only an installed package (or its npm page) can
 * follow: every package.json names the repository (with the package's
 * folder), its homepage and where to report bugs; the package READMEs link
 * the docs by URL or `qber help`, never by a path into the repository; the
 * README tells how to install the command and its QEMU recipes call `qber`
 * from PATH.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packages, repoRoot, repositoryUrl } from "./common.js";

interface Manifest {
  readonly repository?: unknown;
  readonly homepage?: unknown;
  readonly bugs?: unknown;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(repoRoot, dir, "package.json"), "utf8")) as Manifest;
const workspaces = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { workspaces: string[] }).workspaces;

describe("package.json", () => {
  it.each(workspaces)("%s names the repository with its folder, the homepage and bugs", (dir) => {
    const m = manifest(dir);
    expect(m.repository).toEqual({ type: "git", url: `git+${repositoryUrl}.git`, directory: dir });
    expect(m.homepage).toBe(`${repositoryUrl}/tree/main/${dir}#readme`);
    expect(m.bugs).toEqual({ url: `${repositoryUrl}/issues` });
  });

  it("the root names the repository too", () => {
    const m = manifest(".");
    expect(m.repository).toEqual({ type: "git", url: `git+${repositoryUrl}.git` });
    expect(m.homepage).toBe(`${repositoryUrl}#readme`);
    expect(m.bugs).toEqual({ url: `${repositoryUrl}/issues` });
  });
});

describe("READMEs", () => {
  it.each(packages)("@qber/%s links by URL or qber help, not by repository paths", (p) => {
    const readme = readFileSync(join(repoRoot, "packages", p, "README.md"), "utf8");
    const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.filter((l) => !/^https:\/\//.test(l))).toEqual([]);
    for (const l of links.filter((x) => x.includes("/docs/"))) expect(l).toMatch(new RegExp(`^${repositoryUrl}/blob/main/docs/[\\w-]+\\.md$`));
    for (const [, topic] of readme.matchAll(/`qber help ([a-z][\w-]*)`/g))
      expect(readFileSync(join(repoRoot, "docs", `${topic}.md`), "utf8").length, topic).toBeGreaterThan(0);
  });

  it("the README says how to install the command, and its QEMU recipes call qber from PATH", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const install = readme.slice(readme.indexOf("\n## Install\n"));
    expect(install).toContain("npm install --global ./packages/cli");
    expect(install).toContain("npm link");
    expect(install).toContain("npm install --global @qber/cli");
    const recipes = [...readme.matchAll(/"exec:(?!\.\.\.)([^"]*)"/g)].map((m) => m[1]!);
    expect(recipes.length).toBeGreaterThan(1);
    for (const r of recipes) expect(r).toMatch(/^qber /);
  });
});
