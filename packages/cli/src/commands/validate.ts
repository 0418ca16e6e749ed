import type { Command } from "commander";
import { isQberError } from "@qber/core";
import { print, registryFor } from "../cli/context.js";
import { UsageError } from "../cli/errors.js";
import { containersJson, containersText } from "../cli/containers.js";
import { type InputFlags, berOf, inputOptions, named, openInput } from "../cli/input.js";
import { progress } from "../cli/progress.js";
import { type Problem, type ValidationReport, problemOfError, validateFile } from "@qber/snapshot/validate";
import { type LimitFlags, decodeLimitsOf, limitOptions } from "../cli/limits.js";

/** One line per problem: where, what, why. */
export function renderProblem(p: Problem): string {
  const where = [p.offset === null ? "" : `byte ${p.offset}`, p.path ?? ""].filter((s) => s !== "").join(" ");
  const what = [p.device ?? "", p.field ?? ""].filter((s) => s !== "").join(" ");
  return `${where === "" ? "" : `${where}: `}${what === "" ? "" : `${what}: `}${p.reason}`;
}

export function renderReport(name: string, r: ValidationReport): string {
  if (r.valid) return `${name}: valid\n`;
  const n = r.problems.length;
  let out = `${name}: ${n}${r.truncated ? "+" : ""} problem${n === 1 ? "" : "s"}\n`;
  for (const p of r.problems) out += `  ${renderProblem(p)}\n`;
  if (r.truncated) out += "  (more problems not shown: raise --max-problems)\n";
  return out;
}

export function validateCommand(program: Command): void {
  inputOptions(
    limitOptions(
      program
        .command("validate")
        .summary("check that a snapshot decodes and every device and RAM page is within bounds")
        .description(
          "Check a snapshot: it decodes; every device section decodes through its plugin (or the file's vmdesc) and keeps the bounds of its description; every RAM page lies inside its block (from the RAM block list) and every XBZRLE page has a base sent before it. Reports every problem (up to --max-problems) with byte offset, schema path, device, field and reason. Exit 0: valid; 1: not valid (or unreadable); 2: usage. Reads qber BER files and QEMU streams (checked as the BER file they import to).",
        )
        .argument("<file>", "BER file or QEMU stream, or - for stdin")
        .option("--strict", "also require DER primitives and FullPage data of exactly 4096 bytes")
        .option("--json", "print one JSON document {valid, problems, truncated} (see qber help cli)")
        .option("--max-problems <n>", "most problems reported (default 100)", (v) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1) throw new UsageError(`--max-problems: not a positive integer: ${v}`);
          return n;
        })
        .addHelpText(
          "after",
          `
Examples:
  qber validate vm.ber
  qber validate vm.mig --strict
  qber validate vm.ber --json | jq '.problems[] | select(.device == "hpet")'`,
        )
        .action(async (file: string, opts: { strict?: boolean; json?: boolean; maxProblems?: number } & LimitFlags & InputFlags) => {
          const input = await openInput(file, opts);
          const { source, done } = berOf(input, opts);
          const limits = decodeLimitsOf(opts);
          const bar = progress("validate", input.format === "ber" ? input.size : undefined, program.opts<{ quiet?: boolean }>().quiet);
          const [checked, imported] = await Promise.all([
            validateFile(source, {
              registry: registryFor(),
              strict: opts.strict ?? false,
              ...(limits ? { limits } : {}),
              ...(opts.maxProblems ? { maxProblems: opts.maxProblems } : {}),
              onProgress: (n) => bar.update(n),
            }).then(
              (r) => ({ r, e: undefined }),
              (e: unknown) => ({ r: undefined, e }),
            ),
            done.then(
              () => undefined,
              (e: unknown) => e ?? new Error("import failed"),
            ),
          ]);
          bar.done();
          let report: ValidationReport;
          if (imported !== undefined) {
            // The QEMU stream itself did not convert: that is the problem to report.
            if (!isQberError(imported)) throw imported;
            const before = checked.r?.problems ?? [];
            report = { valid: false, problems: [...before, problemOfError(imported, "QEMU stream: ")], truncated: checked.r?.truncated ?? false };
          } else if (checked.e !== undefined) {
            throw named(input, checked.e);
          } else {
            report = checked.r!;
          }
          await print(
            opts.json
              ? `${JSON.stringify(input.containers?.length ? { containers: containersJson(input.containers), ...report } : report, null, 2)}\n`
              : containersText(input.containers ?? []) + renderReport(input.name, report),
          );
          if (!report.valid) {
            const n = report.problems.length;
            throw new UsageError(`${input.name}: not valid (${n}${report.truncated ? "+" : ""} problem${n === 1 ? "" : "s"})`, 1);
          }
        }),
      { ber: true, qemu: true },
    ),
  );
}
