/**
 * `--plugin MODULE` and QBER_PLUGINS: ES modules that export section plugins,
 * loaded before a command runs and added after the default registry (so a
 * loaded plugin wins over a built-in one for the same section and version).
 *
 * What a module may export (docs/cli.md, "Plugins"; docs/adding-a-device.md): every export, named or
 * default, whose value is a SectionPlugin (an object with `id`, `names`,
 * `minVersion`, `maxVersion` and a `ber` codec, as `definePlugin` returns)
 * or an array of them is taken, in the order the module namespace lists its
 * export names (alphabetical); the same plugin object exported twice counts
 * once. Any other export (descriptions, defaults, types, helpers) is left
 * alone. An export that is almost a plugin, or an array that holds anything
 * but plugins, is an error rather than silently skipped: a typo in a plugin
 * would otherwise make qber fall back to the vmdesc without a word.
 *
 * A failure names the module and why: not found, not an ES module (qber
 * loads ES modules only, as every @qber package is one), it threw while
 * loading, or it exports no plugin.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SectionPlugin } from "@qber/core";
import { UsageError } from "./errors.js";

/** The environment variable that lists plugin modules, separated like PATH. */
export const PLUGINS_VARIABLE = "QBER_PLUGINS";

/** The modules to load: those of QBER_PLUGINS first, then those given with --plugin (later wins). */
export function pluginModuleSpecs(flags: readonly string[], variable: string | undefined): string[] {
  const fromEnv = (variable ?? "").split(delimiter).filter((s) => s !== "");
  return [...fromEnv, ...flags];
}

/** Loads every module and returns their plugins in order. */
export async function loadPluginModules(specs: readonly string[], cwd = process.cwd()): Promise<SectionPlugin[]> {
  const plugins: SectionPlugin[] = [];
  for (const spec of specs) plugins.push(...pluginsOf(spec, await importPluginModule(spec, cwd)));
  return plugins;
}

/** A module spec names a file when it looks like a path or URL (as Node treats `import` specifiers); else a package. */
function isPathLike(spec: string): boolean {
  return (
    spec.startsWith("./") || spec.startsWith("../") || spec === "." || spec === ".." || isAbsolute(spec) || spec.startsWith("file:") || /^\.\.?\\/.test(spec)
  );
}

function fail(spec: string, why: string): never {
  throw new UsageError(`--plugin ${spec}: ${why}`);
}

/** The module's absolute file name: a path from `cwd`, or a package resolved from `cwd` as Node's require would. */
function resolveModule(spec: string, cwd: string): string {
  if (isPathLike(spec)) {
    const file = spec.startsWith("file:") ? fileURLToPath(spec) : resolve(cwd, spec);
    if (!existsSync(file)) fail(spec, `not found (no file ${file})`);
    return file;
  }
  try {
    return createRequire(resolve(cwd, "package.json")).resolve(spec);
  } catch (e) {
    const hint = existsSync(resolve(cwd, spec)) ? ` (a file of that name is here: write ./${spec})` : "";
    return fail(spec, `not found: no package ${spec} from ${cwd}${hint} (${(e as Error).message.split("\n")[0]})`);
  }
}

async function importPluginModule(spec: string, cwd: string): Promise<Record<string, unknown>> {
  const file = resolveModule(spec, cwd);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === "ERR_UNKNOWN_FILE_EXTENSION" || err.code === "ERR_IMPORT_ATTRIBUTE_MISSING" || err.code === "ERR_IMPORT_ASSERTION_TYPE_MISSING") {
      fail(spec, `not an ES module Node can load (${err.message.split("\n")[0]}); give the built .js or .mjs file`);
    }
    if (err.name === "SyntaxError") fail(spec, `not a JavaScript module: ${err.message}`);
    return fail(spec, `failed while loading: ${String(err.message ?? e).split("\n")[0]}`);
  }
  // Node loads CommonJS through the require cache; an ES module never enters it.
  if (file in createRequire(import.meta.url).cache) {
    fail(spec, `a CommonJS module, not an ES module: qber loads ES modules only (.mjs, or .js in a package with "type": "module")`);
  }
  return namespace;
}

/** Why `x` is not a SectionPlugin, or undefined when it is one. */
function notAPlugin(x: unknown): string | undefined {
  if (typeof x !== "object" || x === null) return "not an object";
  const p = x as Partial<Record<keyof SectionPlugin, unknown>>;
  if (typeof p.id !== "string" || p.id === "") return "no id";
  if (!Array.isArray(p.names) || p.names.length === 0 || !p.names.every((n) => typeof n === "string")) return `${p.id}: names is not a list of section names`;
  if (!Number.isInteger(p.minVersion) || !Number.isInteger(p.maxVersion)) return `${p.id}: minVersion and maxVersion are not integers`;
  if (!isCodec(p.ber)) return `${p.id}: ber has no decode and encode functions`;
  if (p.legacy !== undefined && !isCodec(p.legacy)) return `${p.id}: legacy has no decode and encode functions`;
  return undefined;
}

function isCodec(c: unknown): boolean {
  return (
    typeof c === "object" && c !== null && typeof (c as { decode?: unknown }).decode === "function" && typeof (c as { encode?: unknown }).encode === "function"
  );
}

/** Something meant as a plugin: an object with an id or a ber codec. */
function meantAsPlugin(x: unknown): boolean {
  return typeof x === "object" && x !== null && !Array.isArray(x) && ("ber" in x || ("id" in x && "names" in x));
}

/** The plugins a module exports, by the rules in the module comment. */
export function pluginsOf(spec: string, namespace: Record<string, unknown>): SectionPlugin[] {
  const found: SectionPlugin[] = [];
  const add = (p: SectionPlugin): void => {
    if (!found.includes(p)) found.push(p);
  };
  for (const name of Object.keys(namespace)) {
    const value = namespace[name];
    if (Array.isArray(value)) {
      const problems = value.map(notAPlugin);
      if (value.length > 0 && problems.every((p) => p === undefined)) value.forEach((p) => add(p as SectionPlugin));
      else if (value.some(meantAsPlugin))
        fail(
          spec,
          `export ${name} mixes plugins with other values (element ${problems.findIndex((p) => p !== undefined)}: ${problems.find((p) => p !== undefined)})`,
        );
      continue;
    }
    const problem = notAPlugin(value);
    if (problem === undefined) add(value as SectionPlugin);
    else if (meantAsPlugin(value)) fail(spec, `export ${name} is not a section plugin (${problem})`);
  }
  if (found.length === 0) {
    const names = Object.keys(namespace);
    fail(
      spec,
      `exports no section plugin (expected a SectionPlugin, as definePlugin returns, or an array of them, as a named or default export; it exports ${names.length === 0 ? "nothing" : names.join(", ")})`,
    );
  }
  return found;
}
