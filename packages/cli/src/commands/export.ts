import type { Command } from "commander";
import { exportQemuStream } from "@qber/qemu/bridge";
import { registryFor } from "../cli/context.js";
import { openInput, readingInput } from "../cli/input.js";
import { withOutput } from "../cli/output.js";

function limitsOption(flags: LimitFlags) {
  const limits = decodeLimitsOf(flags);
  return limits ? { limits } : {};
}
import { progress } from "../cli/progress.js";
import { type LimitFlags, decodeLimitsOf, limitOptions } from "../cli/limits.js";

export function exportCommand(program: Command): void {
  const command = program
    .command("export")
    .summary("convert a qber BER file to a QEMU migration stream")
    .description("Convert a qber BER file to a QEMU migration stream (file version 3) that QEMU 7.2 loads with -incoming.")
    .argument("<in>", "BER file, or - for stdin")
    .requiredOption("-o, --output <file>", "QEMU stream to write, or - for stdout")
    .addHelpText(
      "after",
      `
Examples:
  qber export vm.ber -o vm.mig
  qemu-system-x86_64 -M pc -m 32 -nodefaults -incoming "exec:qber export vm.ber -o -"`,
    )
    .action(async (input: string, opts: { output: string } & LimitFlags) => {
      const src = await openInput(input, "ber");
      const bar = progress("export", src.size, program.opts<{ quiet?: boolean }>().quiet);
      await readingInput(src, () =>
        withOutput(opts.output, [input], (out) =>
          exportQemuStream(src.source, out, { registry: registryFor(), onProgress: (n) => bar.update(n), ...limitsOption(opts) }),
        ),
      );
      bar.done();
    });
  limitOptions(command, { ber: true });
}
