import type { Command } from "commander";
import { registryFor } from "../cli/context.js";
import { UsageError } from "../cli/errors.js";
import { type InputFlags, inputOptions, openInput, readingInput } from "../cli/input.js";
import { passOutput } from "../cli/output.js";
import { progress } from "../cli/progress.js";
import { decodeToJsonFile } from "@qber/snapshot/json";
import { type LimitFlags, decodeLimitsOf, importLimitsOf, limitOptions } from "../cli/limits.js";

export function decodeCommand(program: Command): void {
  inputOptions(
    limitOptions(
      program
        .command("decode")
        .summary("write a snapshot as JSON (lossless; qber encode turns it back)")
        .description(
          "Write a snapshot in qber's JSON form (qber help json-form): every section with its name, ids, version and contents (device entries typed, 64-bit values as decimal strings, bytes as hex), RAM pages per block, and a read-only view of each device's fields by name. `qber encode` turns the JSON back into the same bytes. Reads qber BER files and QEMU streams (converted on the fly); streams: RAM is written page by page.",
        )
        .argument("<file>", "BER file or QEMU stream, or - for stdin")
        .requiredOption("-o, --output <file>", "JSON file to write, or - for stdout")
        .option("--no-fields", "leave out the device field views (smaller, faster)")
        .addHelpText(
          "after",
          `
Examples:
  qber decode vm.ber -o vm.json
  qber decode vm.mig -o - --no-fields | jq '.sections[] | select(.type == "full") | .name'
  qber decode vm.ber -o vm.json && qber encode vm.json -o same.ber && cmp vm.ber same.ber`,
        )
        .action(async (file: string, opts: { output: string; fields: boolean } & LimitFlags & InputFlags) => {
          const limits = decodeLimitsOf(opts);
          const input = await openInput(file, opts);
          const bar = progress("decode", input.format === "ber" ? input.size : undefined, program.opts<{ quiet?: boolean }>().quiet);
          const summary = await readingInput(input, () =>
            decodeToJsonFile(input, passOutput(opts.output, [file]), {
              registry: registryFor(),
              fields: opts.fields,
              ...(limits ? { limits } : {}),
              ...(file === "-" ? {} : { reopen: () => openInput(file, opts) }),
              import: { registry: registryFor(), ...importLimitsOf(opts) },
              onProgress: (n) => bar.update(n),
            }),
          ).finally(() => bar.done());
          const inexact = summary.inexact;
          if (inexact === undefined) return;
          const which = inexact.sections.join(", ");
          if (inexact.because === "input") {
            throw new UsageError(
              `${input.name}: RAM sections ${which} are not in a form qber writes; keeping their exact bytes needs a second pass over a file (not stdin)`,
              1,
            );
          }
          throw new UsageError(
            `${input.name}: RAM sections ${which} are not in a form qber writes: the JSON written re-encodes to an equivalent file, not the same bytes; decode to a file (-o FILE) to keep their exact bytes`,
            1,
          );
        }),
      { ber: true, qemu: true },
    ),
  );
}
