import type { Command } from "commander";
import { readQcow2Snapshots } from "@qber/qemu/input";
import { print, registryFor } from "../cli/context.js";
import { containersJson, containersText, snapshotsJson, snapshotsText } from "../cli/containers.js";
import { table } from "../cli/table.js";
import { type InputFlags, berOf, inputOptions, openInput, readingInput } from "../cli/input.js";
import { type InspectReport, inspectFile } from "@qber/snapshot/inspect";
import { type LimitFlags, decodeLimitsOf, limitOptions } from "../cli/limits.js";

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
      "List a snapshot's sections (id, name, instance, version, kind, bytes, how the contents were decoded) and a RAM summary per block. Reads qber BER files and QEMU streams, bare or in a container (libvirt save image, compressed stream, qcow2 snapshot), and shows what the container says. For a qcow2 image without --snapshot, lists its internal snapshots as qemu-img snapshot -l does.",
    )
    .argument("<file>", "snapshot file, or - for stdin")
    .option("--json", "print one JSON document (see qber help cli)")
    .option("--fields", "also print every device's fields by name")
    .addHelpText(
      "after",
      `
Examples:
  qber inspect vm.ber
  qber inspect vm.mig --fields
  qber inspect guest.save
  qber inspect disk.qcow2
  qber inspect disk.qcow2 --snapshot 1
  qber inspect vm.ber --json | jq '.sections[] | select(.kind == "device") | .name'`,
    )
    .action(async (file: string, opts: { json?: boolean; fields?: boolean } & LimitFlags & InputFlags) => {
      const image = file !== "-" && opts.snapshot === undefined ? await readQcow2Snapshots(file) : undefined;
      if (image) {
        await print(opts.json ? `${JSON.stringify(snapshotsJson(image), null, 2)}\n` : snapshotsText(file, image));
        return;
      }
      const input = await openInput(file, opts);
      const { source, done } = berOf(input, opts);
      const limits = decodeLimitsOf(opts);
      const [report] = await readingInput(input, () =>
        Promise.all([inspectFile(source, { registry: registryFor(), fields: opts.fields ?? false, ...(limits ? { limits } : {}) }), done]),
      );
      await print(
        opts.json
          ? `${JSON.stringify(input.containers?.length ? { containers: containersJson(input.containers), ...report } : report, null, 2)}\n`
          : containersText(input.containers ?? []) + renderInspect(report, opts.fields ?? false),
      );
    });
  inputOptions(limitOptions(command, { ber: true, qemu: true }));
}
