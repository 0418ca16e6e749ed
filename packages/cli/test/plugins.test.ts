/**
 * `--plugin MODULE` and QBER_PLUGINS: ES modules whose exported plugins join
 * the registry after the built-in ones (later wins), for every command; a
 * module that cannot be used is named in a usage error (exit 2).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { pluginModuleSpecs, pluginsOf } from "../src/cli/plugin-modules.js";
import { runCli } from "./run-cli.js";

const fixture = fileURLToPath(new URL("../../../fixtures/qemu-7.2/pc-addons.mig", import.meta.url));
const parallel = fileURLToPath(new URL("./plugin-modules/parallel.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "qber-plugins-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.QBER_PLUGINS;
});

function module(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

interface Inspected {
  sections: { name: string; decodedBy: string | null; plugin?: string }[];
}
const parallelSection = (stdout: string) => (JSON.parse(stdout) as Inspected).sections.find((s) => s.name === "parallel_isa");

describe("--plugin", () => {
  it("a loaded plugin replaces the built-in model of its section (later wins)", async () => {
    const before = await runCli(["inspect", "--json", fixture]);
    expect(parallelSection(before.stdout)).toMatchObject({ decodedBy: "plugin", plugin: "@qber/devices:parallel_isa" });
    const r = await runCli(["--plugin", parallel, "inspect", "--json", fixture]);
    expect(r.stderr).toBe("");
    expect(parallelSection(r.stdout)).toMatchObject({ decodedBy: "plugin", plugin: "test:parallel_isa" });
  });

  it("is a global option: also after the command name, and every command sees the plugins", async () => {
    const r = await runCli(["inspect", "--json", fixture, "--plugin", parallel]);
    expect(parallelSection(r.stdout)?.plugin).toBe("test:parallel_isa");
    const devices = await runCli(["--plugin", parallel, "devices", "--json"]);
    const ids = (JSON.parse(devices.stdout) as { devices: { id: string }[] }).devices.map((d) => d.id);
    // Once, although the module exports it twice; after every built-in one.
    expect(ids.filter((id) => id === "test:parallel_isa")).toHaveLength(1);
    expect(ids.at(-1)).toBe("test:parallel_isa");
    expect((await runCli(["--plugin", parallel, "schema", "test:parallel_isa"])).stdout).toMatch(/^test:parallel_isa {2}sections: parallel_isa/);
  });

  it("each run starts from the built-in registry", async () => {
    await runCli(["--plugin", parallel, "devices"]);
    const r = await runCli(["inspect", "--json", fixture]);
    expect(parallelSection(r.stdout)?.plugin).toBe("@qber/devices:parallel_isa");
  });

  it("QBER_PLUGINS lists modules separated like PATH; --plugin ones come after (and win)", async () => {
    const other = module("other.mjs", `import { parallel } from ${JSON.stringify(parallel)};\nexport const again = { ...parallel, id: "test:other" };\n`);
    process.env.QBER_PLUGINS = `${parallel}${delimiter}${delimiter}`;
    expect(parallelSection((await runCli(["inspect", "--json", fixture])).stdout)?.plugin).toBe("test:parallel_isa");
    process.env.QBER_PLUGINS = [other, parallel].join(delimiter);
    expect(parallelSection((await runCli(["inspect", "--json", fixture])).stdout)?.plugin).toBe("test:parallel_isa");
    expect(parallelSection((await runCli(["--plugin", other, "inspect", "--json", fixture])).stdout)?.plugin).toBe("test:other");
    expect(pluginModuleSpecs(["c"], ["a", "", "b"].join(delimiter))).toEqual(["a", "b", "c"]);
  });

  it("relative paths are taken from the current directory", async () => {
    const cwd = process.cwd();
    process.chdir(fileURLToPath(new URL(".", import.meta.url)));
    try {
      const r = await runCli(["--plugin", "./plugin-modules/parallel.mjs", "inspect", "--json", fixture]);
      expect(parallelSection(r.stdout)?.plugin).toBe("test:parallel_isa");
      // Without ./ it is a package name, as in Node's import.
      const bare = await runCli(["--plugin", "plugin-modules/parallel.mjs", "devices"]);
      expect(bare.code).toBe(2);
      expect(bare.stderr).toMatch(
        /^qber: --plugin plugin-modules\/parallel\.mjs: not found: no package .*a file of that name is here: write \.\/plugin-modules\/parallel\.mjs/,
      );
    } finally {
      process.chdir(cwd);
    }
  });
});

describe("--plugin: a module that cannot be used is named, exit 2", () => {
  const fails = async (file: string, message: RegExp): Promise<void> => {
    const r = await runCli(["--plugin", file, "inspect", fixture]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  };

  it("not found", async () => {
    await fails(join(dir, "missing.mjs"), /^qber: --plugin .*missing\.mjs: not found \(no file .*missing\.mjs\)$/m);
    await fails("@example/no-such-plugin", /^qber: --plugin @example\/no-such-plugin: not found: no package @example\/no-such-plugin from /m);
  });

  it("throws while loading", async () => {
    await fails(
      module("throws.mjs", 'throw new Error("no licence for this device");\n'),
      /--plugin .*throws\.mjs: failed while loading: no licence for this device$/m,
    );
    await fails(
      module("imports.mjs", 'import "@example/not-installed";\n'),
      /--plugin .*imports\.mjs: failed while loading: Cannot find package '@example\/not-installed'/,
    );
  });

  it("exports no plugin, or something almost a plugin", async () => {
    await fails(
      module("none.mjs", "export const a = 1;\nexport default { b: 2 };\n"),
      /--plugin .*none\.mjs: exports no section plugin \(.*it exports a, default\)$/m,
    );
    await fails(
      module("almost.mjs", 'export const p = { id: "x:y", names: ["y"], minVersion: 1, maxVersion: 1, ber: {} };\n'),
      /--plugin .*almost\.mjs: export p is not a section plugin \(x:y: ber has no decode and encode functions\)$/m,
    );
  });
});

describe("--plugin in the qber process (the bundled bin; needs the build)", () => {
  const bin = fileURLToPath(new URL("../bin/qber.js", import.meta.url));
  const qber = (...argv: string[]) => spawnSync(process.execPath, [bin, ...argv], { encoding: "utf8", env: { ...process.env, QBER_PLUGINS: "" } });

  it("loads the module with Node's own loader, the plugin's @qber imports from its own location", () => {
    const r = qber("--plugin", parallel, "inspect", "--json", fixture);
    expect(r.stderr).toBe("");
    expect(parallelSection(r.stdout)).toMatchObject({ decodedBy: "plugin", plugin: "test:parallel_isa" });
  });

  // Only Node's own loader tells these apart (vitest's module runner loads CommonJS and TypeScript alike).
  it("a CommonJS module, or TypeScript, is not an ES module", () => {
    const cjs = module("plugin.cjs", 'module.exports = { id: "x:y" };\n');
    const r = qber("--plugin", cjs, "devices");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `qber: --plugin ${cjs}: a CommonJS module, not an ES module: qber loads ES modules only (.mjs, or .js in a package with "type": "module")\n`,
    );
    const ts = module("plugin.ts", "export const x: number = 1;\n");
    const t = qber("--plugin", ts, "devices");
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(new RegExp(`^qber: --plugin ${ts}: not an ES module Node can load \\(.*\\); give the built \\.js or \\.mjs file\n$`));
    const bad = module("syntax.mjs", "export const = 1;\n");
    expect(qber("--plugin", bad, "devices").stderr).toBe(`qber: --plugin ${bad}: not a JavaScript module: Unexpected token '='\n`);
  });
});

describe("pluginsOf", () => {
  const codec = { decode: () => 0, encode: () => ({ kind: "oldblob" as const, value: new Uint8Array() }) };
  const p = (id: string) => ({ id, names: ["n"], minVersion: 1, maxVersion: 1, ber: codec });

  it("takes plugins and arrays of plugins, in export-name order, each object once; leaves other exports alone", () => {
    const a = p("m:a");
    const b = p("m:b");
    const got = pluginsOf("m", { all: [a, b], b, default: a, helper: () => 1, names: ["x"], empty: [] });
    expect(got.map((x) => x.id)).toEqual(["m:a", "m:b"]);
  });

  it("an array that mixes plugins with other values is an error", () => {
    expect(() => pluginsOf("m", { list: [p("m:a"), 3] })).toThrow(/^--plugin m: export list mixes plugins with other values \(element 1: not an object\)$/);
  });
});
