import type { Command } from "commander";
import { type SectionPlugin, baseName } from "@qber/core";
import { descriptionOf } from "@qber/vmstate";
import { print, registryFor } from "../cli/context.js";
import { UsageError } from "../cli/errors.js";

/** The plugin a name stands for: a plugin id, the part of an id after `:`, a section name or vmsd name. */
export function findPlugin(device: string, plugins: readonly SectionPlugin[] = registryFor().plugins): SectionPlugin {
  const tries: ((p: SectionPlugin) => boolean)[] = [
    (p) => p.id === device,
    (p) => p.id.endsWith(`:${device}`),
    (p) => p.names.includes(device),
    (p) => p.names.includes(baseName(device)),
  ];
  for (const t of tries) {
    const found = plugins.filter(t);
    const ids = [...new Set(found.map((p) => p.id))];
    if (ids.length === 1) return found[found.length - 1]!;
    if (ids.length > 1) throw new UsageError(`"${device}" matches several devices: ${ids.join(", ")}; give the plugin id`);
  }
  throw new UsageError(`unknown device "${device}" (qber devices lists them)`);
}

/** A JSON Schema as plain JSON: bigints (in x-vmstate bounds) as decimal strings. */
export function schemaJson(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}

type Node = { [k: string]: unknown };

function describe(s: Node): string {
  const vm = (s["x-vmstate"] ?? {}) as Node;
  const parts: string[] = [];
  const type = typeof vm["type"] === "string" ? (vm["type"] as string) : typeof s["type"] === "string" ? (s["type"] as string) : "";
  if (type !== "") parts.push(type);
  // Bounds beyond the type's own range (which the type name already says).
  const min = vm["kind"] === "int" ? vm["minimum"] : s["minimum"];
  const max = vm["kind"] === "int" ? vm["maximum"] : s["maximum"];
  if (min !== undefined || max !== undefined) parts.push(`${String(min ?? "")}..${String(max ?? "")}`);
  if (vm["equal"] !== undefined) parts.push(`== ${String(vm["equal"])}`);
  if (vm["kind"] === "bytes") parts.push(`${String(vm["size"] ?? "")} bytes`);
  const field = (vm["field"] ?? {}) as Node;
  if (field["since"] !== undefined) parts.push(`since v${String(field["since"])}`);
  if (vm["kind"] === "subsection") {
    const v = (vm["vmsd"] ?? {}) as Node;
    parts.push(`subsection ${String(v["name"] ?? "")} v${String(v["version"] ?? "")}`);
  }
  return parts.join("  ");
}

function walk(s: Node, indent: string, out: string[], name: string): void {
  const props = s["properties"] as Record<string, Node> | undefined;
  const required = new Set((s["required"] as string[] | undefined) ?? []);
  if (props === undefined) return;
  const width = Math.max(...Object.keys(props).map((k) => k.length + 2));
  for (const [k, p] of Object.entries(props)) {
    const optional = required.has(k) ? "" : "?";
    if (p["type"] === "array") {
      const items = (p["items"] ?? {}) as Node;
      const count = p["minItems"] !== undefined && p["minItems"] === p["maxItems"] ? `[${String(p["minItems"])}]` : "[]";
      out.push(
        `${indent}${(k + count + optional).padEnd(width + 4)}${describe(items)}${p["maxItems"] !== undefined && count === "[]" ? `  at most ${String(p["maxItems"])}` : ""}`,
      );
      if (items["type"] === "object") walk(items, `${indent}  `, out, `${name}.${k}`);
    } else {
      out.push(`${indent}${(k + optional).padEnd(width + 4)}${describe(p)}`);
      if (p["type"] === "object") walk(p, `${indent}  `, out, `${name}.${k}`);
    }
  }
}

export function renderSchema(plugin: SectionPlugin, schema: Node | undefined): string {
  const head = `${plugin.id}  sections: ${plugin.names.join(", ")}  versions: ${plugin.minVersion === plugin.maxVersion ? plugin.minVersion : `${plugin.minVersion}..${plugin.maxVersion}`}\n`;
  if (schema === undefined) return `${head}(no description: this plugin has no JSON Schema)\n`;
  const out: string[] = [];
  if (typeof schema["description"] === "string") out.push(schema["description"]);
  walk(schema, "  ", out, "");
  return `${head + out.join("\n")}\n(? marks fields that are not always sent; --json prints the JSON Schema)\n`;
}

export function schemaCommand(program: Command): void {
  program
    .command("schema")
    .summary("print a device's JSON Schema (the shape and bounds of its fields)")
    .description(
      "Print the fields of one device's state with their types and bounds, or with --json its JSON Schema (from its TypeBox description): the schema that qber validate checks device state against, and that the `view.fields` of qber decode follow. DEVICE is a plugin id (@qber/devices:hpet), the part after the colon, or a section or vmsd name (hpet, 0000:00:01.1/ide).",
    )
    .argument("<device>", "plugin id, or section or vmsd name")
    .option("--json", "print the JSON Schema")
    .addHelpText(
      "after",
      `
Examples:
  qber schema hpet
  qber schema @qber/devices:ps2kbd --json
  qber schema 0000:00:01.1/ide --json | jq '.properties | keys'`,
    )
    .action(async (device: string, opts: { json?: boolean }) => {
      const plugin = findPlugin(device);
      const description = descriptionOf(plugin);
      if (opts.json) {
        if (description === undefined) throw new UsageError(`${plugin.id} has no JSON Schema (its plugin carries no description)`, 1);
        await print(`${JSON.stringify(schemaJson(description), null, 2)}\n`);
        return;
      }
      await print(renderSchema(plugin, description === undefined ? undefined : (schemaJson(description) as Node)));
    });
}
