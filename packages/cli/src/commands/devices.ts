import type { Command } from "commander";
import type { SectionPlugin } from "@qber/core";
import { descriptionOf } from "@qber/vmstate";
import { print, registryFor } from "../cli/context.js";
import { table } from "../cli/table.js";

export interface DeviceListing {
  readonly id: string;
  readonly names: readonly string[];
  readonly minVersion: number;
  readonly maxVersion: number;
  /** A JSON Schema is available (`qber schema ID`). */
  readonly schema: boolean;
}

export function listDevices(plugins: readonly SectionPlugin[] = registryFor().plugins): DeviceListing[] {
  return plugins.map((p) => ({ id: p.id, names: [...p.names], minVersion: p.minVersion, maxVersion: p.maxVersion, schema: descriptionOf(p) !== undefined }));
}

export function devicesCommand(program: Command): void {
  program
    .command("devices")
    .summary("list the registered device plugins")
    .description(
      "List the section plugins qber knows: plugin id, the section names it handles (a name matches a section idstr equal to it or ending in /name), and the section versions it reads.",
    )
    .option("--json", "print one JSON document {devices: [{id, names, minVersion, maxVersion, schema}]}")
    .addHelpText(
      "after",
      `
Examples:
  qber devices
  qber devices --json | jq -r '.devices[].id'`,
    )
    .action(async (opts: { json?: boolean }) => {
      const devices = listDevices();
      if (opts.json) {
        await print(`${JSON.stringify({ devices }, null, 2)}\n`);
        return;
      }
      const rows = [
        ["id", "versions", "names"],
        ...devices.map((d) => [d.id, d.minVersion === d.maxVersion ? String(d.minVersion) : `${d.minVersion}..${d.maxVersion}`, d.names.join(", ")]),
      ];
      await print(table(rows));
    });
}
