import type { Command } from "commander";
import { importQemuStream } from "../bridge/import.js";
import { registryFor } from "../cli/context.js";
import { openInput } from "../cli/input.js";
import { withOutput } from "../cli/output.js";
import { progress } from "../cli/progress.js";

export function importCommand(program: Command): void {
  program
    .command("import")
    .summary("convert a QEMU migration stream to a qber BER file")
    .description("Convert a QEMU migration stream (file version 3) to a qber BER file, streaming: RAM is converted page by page as it arrives.")
    .argument("<in>", "QEMU stream, or - for stdin")
    .requiredOption("-o, --output <file>", "BER file to write, or - for stdout")
    .option("--max-device-state <bytes>", "largest device state held in memory", (v) => Number(v))
    .addHelpText(
      "after",
      `
Examples:
  qber import vm.mig -o vm.ber
  (qemu) migrate "exec:qber import - -o vm.ber"`,
    )
    .action(async (input: string, opts: { output: string; maxDeviceState?: number }) => {
      const src = await openInput(input, "qemu");
      const bar = progress("import", src.size, program.opts<{ quiet?: boolean }>().quiet);
      const summary = await withOutput(opts.output, [input], (out) =>
        importQemuStream(src.source, out, {
          registry: registryFor(),
          ...(opts.maxDeviceState ? { maxDeviceState: opts.maxDeviceState } : {}),
          onProgress: (n) => bar.update(n),
        }),
      );
      bar.done();
      for (const w of summary.warnings) process.stderr.write(`qber: warning: ${w}\n`);
    });
}
