import type { Command } from "commander";
import { print, registryFor } from "../cli/context.js";
import { berOf, openInput, readingInput } from "../cli/input.js";
import { type InspectReport, inspectFile } from "@qber/snapshot/inspect";
import { type LimitFlags, decodeLimitsOf, limitOptions } from "../cli/limits.js";

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return `${rows
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

export function renderInspect(report: InspectReport, fields: boolean): string {
  const rows = [["#", "id", "name", "inst", "ver", "kind", "bytes", "decoded"]];
  report.sections.forEach((s, i) =>
    rows.push([
      String(i),
      String(s.id),
      s.name ?? "-",
      s.instance === null ? "-" : String(s.instance),
      s.version === null ? "-" : String(s.version),
      s.kind,
      String(s.bytes),
      s.decodedBy ?? "-",
    ]),
  );
  let out = table(rows);
  if (report.ram.length > 0) {
    out += "\nRAM\n";
    out += table([
      ["block", "pages", "zero", "full", "xbzrle", "hook"],
      ...report.ram.map((b) => [b.name, String(b.pages), String(b.zero), String(b.full), String(b.xbzrle), String(b.hook)]),
    ]);
  }
  const gp = report.guestPhysical;
  out += "\nguest-physical\n";
  if ("error" in gp) out += `  not known: ${gp.error}\n`;
  else {
    const hex = (n: number) => `0x${n.toString(16).padStart(9, "0")}`;
    out += table([
      ["range", "block", "offset"],
      ...gp.ranges.map((r) => [`${hex(r.start)}-${hex(r.start + r.length - 1)}`, r.block, `0x${r.offset.toString(16)}`]),
    ]);
  }
  if (fields) {
    for (const s of report.sections) {
      if (s.fields === undefined) continue;
      out += `\n${s.name} (instance ${s.instance}, version ${s.version}, ${s.decodedBy})\n`;
      out += `${JSON.stringify(s.fields, null, 2).replace(/^/gm, "  ")}\n`;
    }
  }
  return out;
}

export function inspectCommand(program: Command): void {
  const command = program
    .command("inspect")
    .summary("list the sections, RAM and device fields of a snapshot")
    .description(
      "List a snapshot's sections (id, name, instance, version, kind, bytes, how the contents were decoded) and a RAM summary per block. Reads qber BER files and QEMU streams.",
    )
    .argument("<file>", "BER file or QEMU stream, or - for stdin")
    .option("--json", "print one JSON document (see qber help cli)")
    .option("--fields", "also print every device's fields by name")
    .addHelpText(
      "after",
      `
Examples:
  qber inspect vm.ber
  qber inspect vm.mig --fields
  qber inspect vm.ber --json | jq '.sections[] | select(.kind == "device") | .name'`,
    )
    .action(async (file: string, opts: { json?: boolean; fields?: boolean } & LimitFlags) => {
      const input = await openInput(file);
      const { source, done } = berOf(input, opts);
      const limits = decodeLimitsOf(opts);
      const [report] = await readingInput(input, () =>
        Promise.all([inspectFile(source, { registry: registryFor(), fields: opts.fields ?? false, ...(limits ? { limits } : {}) }), done]),
      );
      await print(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderInspect(report, opts.fields ?? false));
    });
  limitOptions(command, { ber: true, qemu: true });
}
