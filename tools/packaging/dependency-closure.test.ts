/**
 * The library is usable without the command: the packages that hold the
 * stable API (import, export, compose, inspect, validate, JSON form) have no
 * commander anywhere in what they depend on, and @qber/cli's own exports are
 * at most what its bin needs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./common.js";

interface Manifest {
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

const manifest = (name: string): Manifest => {
  const dir = name.startsWith("@qber/") ? join(repoRoot, "packages", name.slice("@qber/".length)) : join(repoRoot, "node_modules", name);
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
};

/** Every package a user's install of `name` brings: dependencies and peers, transitively. */
function closure(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  const m = manifest(name);
  for (const dep of Object.keys({ ...m.dependencies, ...m.peerDependencies })) closure(dep, seen);
  return seen;
}

describe("the library's dependency closure", () => {
  it.each(["@qber/qemu", "@qber/snapshot"])("%s does not bring commander", (name) => {
    const all = closure(name);
    expect(all.has("@qber/core")).toBe(true);
    expect(all.has("commander")).toBe(false);
    expect(all.has("@qber/cli")).toBe(false);
  });

  it("the six stable functions come from those packages", async () => {
    const qemu = await import("@qber/qemu");
    const snapshot = await import("@qber/snapshot");
    for (const f of [
      qemu.importQemuStream,
      qemu.exportQemuStream,
      snapshot.composeMachine,
      snapshot.inspectFile,
      snapshot.validateFile,
      snapshot.decodeToJson,
    ]) {
      expect(typeof f).toBe("function");
    }
  });

  it("@qber/cli exports at most three names", async () => {
    const cli = await import("@qber/cli");
    expect(Object.keys(cli).length).toBeLessThanOrEqual(3);
  });
});
