/**
 * The packages as users get them: `npm pack` every published package, install
 * the tarballs into an empty project (third-party dependencies from the
 * registry, through npm's cache), then use them there: import each one from
 * ESM (and from CommonJS through require(esm)), run the installed `qber` on a
 * real QEMU 7.2 capture, and typecheck a consumer (and the TypeScript
 * examples of the READMEs and of docs/compose.md) against the installed
 * declarations with moduleResolution node16 and nodenext.
 *
 *   npx vitest run --project tools packaging
 *
 * Needs the packages built (`npm ci` does it; the test runs the incremental
 * `tsc -b packages/cli`, a no-op when they are) and the npm registry or a
 * warm npm cache for typebox, ajv and commander.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PackageDir, npm, npx, packages, repoRoot, run, runOk } from "./common.js";

const fixture = join(repoRoot, "fixtures/qemu-7.2/pc-paused.mig");
const addons = join(repoRoot, "fixtures/qemu-7.2/pc-addons.mig");
const tsc = join(repoRoot, "node_modules/typescript/bin/tsc");

interface PackResult {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

interface Manifest {
  name: string;
  version: string;
  type?: string;
  main?: string;
  types?: string;
  sideEffects?: boolean;
  engines?: Record<string, string>;
  publishConfig?: Record<string, unknown>;
  bin?: Record<string, string>;
  files?: string[];
  exports?: Record<string, string | Record<string, string>>;
}

let dir: string;
let consumer: string;
const packed = new Map<PackageDir, PackResult>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "qber-pack-"));
  consumer = join(dir, "consumer");
  mkdirSync(consumer);
  await runOk(process.execPath, [tsc, "-b", "packages/cli"], { cwd: repoRoot });
  const ws = packages.flatMap((p) => ["-w", `packages/${p}`]);
  const { stdout } = await runOk(npm, ["pack", "--json", "--ignore-scripts", "--pack-destination", dir, ...ws], { cwd: repoRoot });
  const results = JSON.parse(stdout) as PackResult[];
  for (const p of packages) {
    const r = results.find((x) => x.name === `@qber/${p}`);
    if (!r) throw new Error(`npm pack did not pack @qber/${p}`);
    packed.set(p, r);
  }
  writeFileSync(join(consumer, "package.json"), `${JSON.stringify({ name: "qber-consumer", version: "0.0.0", private: true, type: "module" }, null, 2)}\n`);
  const tarballs = packages.map((p) => join(dir, packed.get(p)!.filename));
  await runOk(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", "--no-package-lock", ...tarballs], { cwd: consumer, timeout: 180_000 });
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const manifest = (p: PackageDir): Manifest => JSON.parse(readFileSync(join(consumer, "node_modules/@qber", p, "package.json"), "utf8")) as Manifest;
const filesOf = (p: PackageDir): Set<string> => new Set(packed.get(p)!.files.map((f) => f.path));
const strip = (path: string): string => path.replace(/^\.\//, "");

describe("tarballs", () => {
  it.each(packages)("@qber/%s holds its build, sources, README and nothing from the tests", (p) => {
    const files = filesOf(p);
    for (const f of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "src/index.ts"]) expect(files, f).toContain(f);
    const unwanted = [...files].filter((f) => /\.test\.|(^|\/)test\/|\.tsbuildinfo$|^node_modules\/|tsconfig/.test(f));
    expect(unwanted).toEqual([]);
    // Every module in dist/ comes from a source in src/: a stale output of a
    // deleted source would otherwise be published.
    const stale = [...files].filter((f) => f.startsWith("dist/") && f.endsWith(".js") && !files.has(f.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")));
    expect(stale, "dist/ modules without a source (stale build output; delete dist/ and rebuild)").toEqual([]);
    if (p === "cli") expect(files).toContain("bin/qber.js");
    if (p === "cli") expect(files, "the docs qber help prints").toContain("dist/docs/cli.md");
    if (p === "core") expect(files).toContain("asn1/qemu-migration.asn1");
  });

  it.each(packages)("@qber/%s has a manifest fit to publish", (p) => {
    const m = manifest(p);
    const files = filesOf(p);
    expect(m.type).toBe("module");
    expect(m.engines).toEqual({ node: ">=20.19" });
    expect(m.publishConfig?.access).toBe("public");
    expect(m.sideEffects).toBe(p === "cli" ? undefined : false);
    // Every target of the exports map, for every condition (the repository's
    // own "qber-source" one included), is in the tarball.
    const root = m.exports?.["."];
    expect(typeof root).toBe("object");
    const conditions = root as Record<string, string>;
    expect(Object.keys(conditions)).toEqual(["qber-source", "types", "default"]);
    for (const [key, target] of Object.entries(m.exports!)) {
      for (const path of typeof target === "string" ? [target] : Object.values(target)) expect(files, `exports["${key}"] -> ${path}`).toContain(strip(path));
    }
    expect(strip(m.types!)).toBe(strip(conditions.types!));
    expect(strip(m.main!)).toBe(strip(conditions.default!));
    if (p === "cli") {
      // npm publish drops a bin whose path starts with "./" (npm 11).
      expect(m.bin).toEqual({ qber: "bin/qber.js" });
      expect(existsSync(join(consumer, "node_modules/.bin/qber"))).toBe(true);
    } else {
      expect(m.bin).toBeUndefined();
    }
  });
});

const known: Record<PackageDir, readonly string[]> = {
  core: ["readSections", "fileSource", "encodeValue", "decodeValue", "createRegistry", "SectionWriter", "QberDecodeError"],
  ram: ["xbzrleEncode", "xbzrleDecode", "isZeroPage", "parseRamRecords", "writeRamRecords"],
  vmstate: ["vmsd", "u8", "definePlugin", "validateState", "stateToJson"],
  devices: ["devicePlugins", "devicesRegistry", "defaultRegistry", "hpetPlugin"],
  qemu: ["importQemuStream", "exportQemuStream", "openFile", "berSource"],
  snapshot: [
    "inspectFile",
    "validateFile",
    "decodeToJson",
    "encodeFromJson",
    "composeMachine",
    "composeMachineJson",
    "deviceOverride",
    "diffSnapshots",
    "renderReport",
  ],
  cli: ["main"],
};

describe("installed packages", () => {
  it("import from ESM", async () => {
    const script = `
      const known = ${JSON.stringify(known)};
      const out = {};
      for (const [p, names] of Object.entries(known)) {
        const m = await import("@qber/" + p);
        out[p] = names.filter((n) => m[n] === undefined);
      }
      const d = await import("@qber/devices");
      out.devicePlugins = d.devicePlugins.length;
      out.url = import.meta.resolve("@qber/core");
      console.log(JSON.stringify(out));`;
    const { stdout } = await runOk(process.execPath, ["--input-type=module", "-e", script], { cwd: consumer });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    for (const p of packages) expect(out[p], `@qber/${p}: missing exports`).toEqual([]);
    expect(out.devicePlugins).toBeGreaterThan(10);
    // Resolved in the installed copy, not in the repository.
    expect(out.url).toBe(`file://${consumer}/node_modules/@qber/core/dist/index.js`);
  });

  it("require() from CommonJS (Node >= 20.19 loads ES modules synchronously)", async () => {
    const script = `for (const p of ${JSON.stringify(packages)}) { const m = require("@qber/" + p); if (Object.keys(m).length === 0) throw new Error(p); } console.log("ok");`;
    const { stdout } = await runOk(process.execPath, ["-e", script], { cwd: consumer });
    expect(stdout.trim()).toBe("ok");
  });

  it("resolve the qber-source condition to TypeScript sources that are in the package", async () => {
    const script = `console.log(JSON.stringify(${JSON.stringify(packages)}.map((p) => import.meta.resolve("@qber/" + p))));`;
    const { stdout } = await runOk(process.execPath, ["--conditions=qber-source", "--input-type=module", "-e", script], { cwd: consumer });
    const urls = JSON.parse(stdout) as string[];
    for (const [i, p] of packages.entries()) {
      expect(urls[i]).toBe(`file://${consumer}/node_modules/@qber/${p}/src/index.ts`);
      expect(existsSync(new URL(urls[i]!))).toBe(true);
    }
  });
});

describe("installed qber command", () => {
  it("qber --help", async () => {
    const r = await runOk(npx, ["--no", "--", "qber", "--help"], { cwd: consumer });
    expect(r.stdout).toMatch(/^Usage: qber /m);
    for (const c of ["import", "export", "inspect", "validate"]) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
  });

  it("qber help TOPIC prints the docs shipped in the package", async () => {
    const r = await runOk(npx, ["--no", "--", "qber", "help", "adding-a-device"], { cwd: consumer });
    expect(r.stdout).toBe(readFileSync(join(repoRoot, "docs/adding-a-device.md"), "utf8"));
  });

  it("qber import a QEMU 7.2 capture, then qber inspect and qber validate the result", async () => {
    const ber = join(dir, "pc-paused.ber");
    await runOk(npx, ["--no", "--", "qber", "import", fixture, "-o", ber, "--quiet"], { cwd: consumer });
    const { stdout } = await runOk(npx, ["--no", "--", "qber", "inspect", ber, "--json"], { cwd: consumer });
    const report = JSON.parse(stdout) as { format: string; sections: { name: string; kind: string; decodedBy: string | null }[]; ram: unknown[] };
    expect(report.format).toBe("qber-ber");
    expect(report.sections.find((s) => s.name === "cpu")?.decodedBy).toBe("plugin");
    expect(report.sections.some((s) => s.kind === "ram")).toBe(true);
    expect(report.ram.length).toBeGreaterThan(0);
    // validate loads ajv from the bundled command's own dependencies.
    const valid = await runOk(npx, ["--no", "--", "qber", "validate", ber], { cwd: consumer });
    expect(valid.stdout).toMatch(/valid/i);
  });
});

const consumerTs = `
import { readSections, fileSource, encodeValue, decodeValue, createRegistry, QberDecodeError, type ByteSource, type SectionPlugin } from "@qber/core";
import { xbzrleEncode, xbzrleDecode, isZeroPage } from "@qber/ram";
import { vmsd, u8, definePlugin } from "@qber/vmstate";
import { devicePlugins, devicesRegistry } from "@qber/devices";
import { importQemuStream, type ImportSummary } from "@qber/qemu";
import { inspectFile, type InspectReport } from "@qber/snapshot";

const port92 = vmsd({ name: "port92", version: 1 }, { outport: u8() });
export const port92Plugin: SectionPlugin<{ outport: number }> = definePlugin({ id: "consumer:port92", description: port92 });
export const registry = createRegistry(...devicePlugins, port92Plugin);

export async function sectionNames(source: ByteSource): Promise<string[]> {
  const names: string[] = [];
  for await (const s of readSections(source, registry)) if (s.kind === "full") names.push(s.section.name);
  return names;
}

export function roundTrip(): bigint {
  const bytes: Uint8Array = encodeValue("QemuFile", { version: 3n, top: [] });
  return decodeValue("QemuFile", bytes).version;
}

export function delta(oldPage: Uint8Array, newPage: Uint8Array): number {
  const out = new Uint8Array(newPage.length);
  const n = xbzrleEncode(oldPage, newPage, out);
  if (n >= 0) xbzrleDecode(out.subarray(0, n), oldPage);
  return isZeroPage(newPage) ? 0 : n;
}

export async function convertAndInspect(mig: string): Promise<[ImportSummary, InspectReport]> {
  const chunks: Uint8Array[] = [];
  const summary = await importQemuStream(fileSource(mig), (chunk) => void chunks.push(chunk.slice()));
  return [summary, await inspectFile(chunks, { registry: devicesRegistry, fields: true })];
}

export const isDecodeError = (e: unknown): boolean => e instanceof QberDecodeError;

// @ts-expect-error only the exports map is public
import type {} from "@qber/core/dist/index.js";
`;

/** Bare imports in the installed @qber packages' files that tsc could not resolve (Node's builtins are ambient). */
function unresolvedFromQber(trace: string): string[] {
  const bad: string[] = [];
  let from = "";
  for (const line of trace.split("\n")) {
    const resolving = /^======== Resolving module '(.+)' from '(.+)'\. ========$/.exec(line);
    if (resolving) from = resolving[2]!;
    const failed = /^======== Module name '(.+)' was not resolved\. ========$/.exec(line);
    if (failed && from.includes("/node_modules/@qber/") && !isBuiltin(failed[1]!)) bad.push(`${failed[1]} (imported by ${from})`);
  }
  return bad;
}

describe("installed declarations", () => {
  it("typecheck a consumer, and the READMEs' examples, with moduleResolution node16 and nodenext", async () => {
    writeFileSync(join(consumer, "consumer.ts"), consumerTs);
    // docs/compose.md opens with the typed compose API: the example as written there, so it cannot drift.
    const composeDoc = /^```ts\n([\s\S]*?)^```$/m.exec(readFileSync(join(repoRoot, "docs/compose.md"), "utf8"));
    expect(composeDoc, "docs/compose.md has a TypeScript example").not.toBeNull();
    writeFileSync(join(consumer, "compose-doc.ts"), composeDoc![1]!);
    const files = ["consumer.ts", "compose-doc.ts"];
    for (const p of packages) {
      // The README as installed: its TypeScript examples must compile too.
      const readme = readFileSync(join(consumer, "node_modules/@qber", p, "README.md"), "utf8");
      const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
      expect(blocks.length, `${p}/README.md has a TypeScript example`).toBeGreaterThan(0);
      for (const [i, code] of blocks.entries()) {
        const name = `readme-${p}-${i}.ts`;
        writeFileSync(join(consumer, name), code.includes("import ") ? code : `export {};\n${code}`);
        files.push(name);
      }
    }
    const config = (module: string): string =>
      JSON.stringify({
        compilerOptions: {
          module,
          moduleResolution: module,
          target: "ES2022",
          lib: ["ES2022"],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
          typeRoots: [join(repoRoot, "node_modules/@types")],
        },
        files,
      });
    // skipLibCheck is on: checking the .d.ts files of TypeBox alone costs
    // ~10 s of CPU. What a lib check would catch in our own declarations, an
    // import of a package they do not depend on, is caught from the module
    // resolution trace instead (such an import silently becomes `any`).
    writeFileSync(join(consumer, "tsconfig.node16.json"), config("node16"));
    writeFileSync(join(consumer, "tsconfig.nodenext.json"), config("nodenext"));
    const modes = ["node16", "nodenext"] as const;
    const results = await Promise.all(
      modes.map((m) =>
        run(process.execPath, [tsc, "-p", `tsconfig.${m}.json`, "--pretty", "false", ...(m === "node16" ? ["--traceResolution"] : [])], {
          cwd: consumer,
          timeout: 180_000,
        }),
      ),
    );
    for (const [i, r] of results.entries()) {
      const errors = `${r.stdout}${r.stderr}`.split("\n").filter((l) => /error TS\d+/.test(l));
      expect({ module: modes[i], code: r.code, errors }).toEqual({ module: modes[i], code: 0, errors: [] });
    }
    expect(unresolvedFromQber(results[0]!.stdout)).toEqual([]);
  }, 240_000);
});

/**
 * A plugin author's package, made of the files docs/adding-a-device.md shows
 * (its code blocks: the two JSON ones are package.json and tsconfig.json, the
 * others start with a comment naming their file), inside the project that
 * installed only the tarballs, so it resolves @qber/* and typebox from
 * there: it builds, its test passes through @qber/vmstate/testing on a copy
 * of a real capture, and the installed qber decodes the device with it.
 */
describe("a device plugin package from the tarballs, as docs/adding-a-device.md writes it", () => {
  it("builds, passes its test against a capture, and qber --plugin decodes the section with it", async () => {
    const doc = readFileSync(join(repoRoot, "docs/adding-a-device.md"), "utf8");
    const pkg = join(consumer, "qber-parallel");
    const files = new Map<string, string>();
    for (const [, lang, code] of doc.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)) {
      if (lang === "json" && code!.includes('"name": "@example/qber-parallel"')) files.set("package.json", code!);
      else if (lang === "json" && code!.includes('"compilerOptions"')) files.set("tsconfig.json", code!);
      else {
        const named = /^\/\/ ((?:src|test)\/[\w.-]+)\n/.exec(code!);
        if (named) files.set(named[1]!, code!);
      }
    }
    expect([...files.keys()].sort()).toEqual(["package.json", "src/parallel.ts", "test/parallel.test.mjs", "tsconfig.json"]);
    for (const [name, text] of files) {
      mkdirSync(dirname(join(pkg, name)), { recursive: true });
      writeFileSync(join(pkg, name), text);
    }
    mkdirSync(join(pkg, "fixtures"));
    copyFileSync(addons, join(pkg, "fixtures/pc-addons.mig"));

    await runOk(process.execPath, [tsc, "-p", "tsconfig.json", "--pretty", "false"], { cwd: pkg });
    const tested = await runOk(process.execPath, ["--test", "test/"], { cwd: pkg });
    expect(tested.stdout).toMatch(/^# pass 1$/m);

    const qber = join(consumer, "node_modules/.bin/qber");
    const { stdout, stderr } = await runOk(qber, ["--plugin", "./dist/parallel.js", "inspect", "--json", "fixtures/pc-addons.mig"], { cwd: pkg });
    expect(stderr).toBe("");
    const report = JSON.parse(stdout) as { sections: { name: string; decodedBy: string | null; plugin?: string }[] };
    expect(report.sections.find((s) => s.name === "parallel_isa")).toMatchObject({ decodedBy: "plugin", plugin: "@example/qber-parallel:parallel_isa" });
    // Without the plugin, the built-in model decodes it.
    const plain = JSON.parse((await runOk(qber, ["inspect", "--json", "fixtures/pc-addons.mig"], { cwd: pkg })).stdout) as typeof report;
    expect(plain.sections.find((s) => s.name === "parallel_isa")?.plugin).toBe("@qber/devices:parallel_isa");
  }, 240_000);
});
