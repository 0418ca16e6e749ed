import type { Command } from "commander";
import { writeToSink } from "@qber/core";
import { UsageError } from "../cli/errors.js";
import { type Input, type InputFlags, inputOptions } from "../cli/input.js";
import { checkOutput, withOutput } from "../cli/output.js";
import { DEFAULT_MAX_CELLS, type ReportFile, renderReport } from "@qber/snapshot/report";
import { cacheBytes, openInputs, summarizeInput } from "./diff.js";
import { type LimitFlags, limitOptions } from "../cli/limits.js";

function cells(v: string | undefined): number {
  if (v === undefined) return DEFAULT_MAX_CELLS;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--max-cells: expected a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

export function reportCommand(program: Command): void {
  if (program.commands.some((c) => c.name() === "report")) return;
  inputOptions(
    limitOptions(
      program
        .command("report")
        .summary("write a self-contained HTML report of a snapshot, or of two and their differences")
        .description(
          "Write one self-contained HTML page (no external resources) describing a snapshot: its sections, a collapsible device tree with values, and a map of each RAM block coloured by the kind each page was last sent as (zero, full, XBZRLE, never sent). Given a second snapshot, the page shows what differs: changed sections and fields highlighted, and a map of the RAM pages that differ. Reads qber BER files and QEMU streams.",
        )
        .argument("<file>", "snapshot (BER file or QEMU stream), or - for stdin")
        .argument("[b]", "second snapshot to compare with")
        .requiredOption("-o, --output <file>", "HTML file to write, or - for stdout")
        .option("--max-cells <n>", `most cells per RAM map; larger blocks get several pages per cell (default ${DEFAULT_MAX_CELLS})`)
        .option("--xbzrle-cache <MiB>", "page contents kept to apply XBZRLE deltas (default 256)")
        .addHelpText(
          "after",
          `
Examples:
  qber report vm.ber -o vm.html
  qber report vm.mig -o - > vm.html
  qber report before.ber after.ber -o changes.html`,
        )
        .action(
          async (fileA: string, fileB: string | undefined, opts: { output: string; maxCells?: string; xbzrleCache?: string } & LimitFlags & InputFlags) => {
            const maxCellsPerBlock = cells(opts.maxCells);
            const xbzrleCacheBytes = cacheBytes(opts.xbzrleCache);
            const quiet = program.opts<{ quiet?: boolean }>().quiet ?? false;
            const files = fileB === undefined ? [fileA] : [fileA, fileB];
            // Refused now rather than after reading the snapshots.
            checkOutput(opts.output, files);
            const inputs = await openInputs(files, opts);
            const reports: ReportFile[] = [];
            for (const input of inputs as Input[]) {
              const summary = await summarizeInput(input, { xbzrleCacheBytes, quiet, flags: opts });
              reports.push({ name: input.name, summary, format: input.format, ...(input.size !== undefined ? { size: input.size } : {}) });
            }
            const html = renderReport(reports[0]!, reports[1], { maxCellsPerBlock });
            await withOutput(opts.output, files, (out) => writeToSink(out, Buffer.from(html, "utf8")));
          },
        ),
      { ber: true, qemu: true },
    ),
  );
}
