import type { Command } from "commander";
import { type ByteSink, fileSource, rewriteDer } from "@qber/core";
import { importQemuStream } from "@qber/qemu/bridge";
import { registryFor } from "../cli/context.js";
import { inContainer } from "@qber/qemu/input";
import { type InputFlags, inputOptions, openInput, readingInput } from "../cli/input.js";
import { withOutput, withTemporary } from "../cli/output.js";
import { progress } from "../cli/progress.js";
import { type LimitFlags, importLimitsOf, limitOptions } from "../cli/limits.js";

export function importCommand(program: Command): void {
  const command = program
    .command("import")
    .summary("convert a QEMU migration stream to a qber BER file")
    .description(
      "Convert a QEMU migration stream (file version 3) to a qber BER file, streaming: RAM is converted page by page as it arrives. The stream may come in a libvirt save image (whose header, domain XML and cookie are kept, so export rebuilds the image), compressed, or in a qcow2 image's internal snapshot.",
    )
    .argument("<in>", "QEMU stream or container, or - for stdin")
    .requiredOption("-o, --output <file>", "BER file to write, or - for stdout")
    .option("--der", "write pure DER (all lengths definite; converts through a temporary file)")
    .addHelpText(
      "after",
      `
Examples:
  qber import vm.mig -o vm.ber
  qber import vm.mig -o vm.der --der
  qber import guest.save -o guest.ber
  qber import disk.qcow2 --snapshot before-boot -o vm.ber
  (qemu) migrate "exec:qber import - -o vm.ber"`,
    )
    .action(async (input: string, opts: { output: string; der?: boolean } & LimitFlags & InputFlags) => {
      const src = await openInput(input, opts, "qemu");
      const bar = progress("import", src.size, program.opts<{ quiet?: boolean }>().quiet);
      const libvirt = src.containers?.find((c) => c.kind === "libvirt-save");
      const convert = (out: ByteSink) =>
        readingInput(src, () =>
          importQemuStream(src.source, out, {
            registry: registryFor(),
            ...importLimitsOf(opts),
            onProgress: (n) => bar.update(n),
            ...(libvirt ? { libvirtSave: libvirt.save.bytes } : {}),
          }).catch((e: unknown) => {
            throw inContainer(src, e);
          }),
        );
      const summary = opts.der
        ? await withTemporary(opts.output, async (tmp) => {
            const s = await withOutput(tmp, [input], convert);
            await withOutput(opts.output, [input], (out) => rewriteDer(() => fileSource(tmp), out, registryFor()));
            return s;
          })
        : await withOutput(opts.output, [input], convert);
      bar.done();
      for (const w of summary.warnings) process.stderr.write(`qber: warning: ${w}\n`);
    });
  inputOptions(limitOptions(command, { qemu: true }));
}
