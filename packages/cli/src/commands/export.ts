import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { LIBVIRT_FORMATS } from "@qber/qemu/containers";
import { type ExportOptions, exportQemuStream } from "@qber/qemu/bridge";
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
    .description(
      "Convert a qber BER file to a QEMU migration stream (file version 3) that QEMU 7.2 loads with -incoming. A file imported from a libvirt save image becomes that image again (same header and XML bytes, same compression format), which virsh restore loads; --format writes a bare stream or another libvirt format, --xml replaces the domain XML.",
    )
    .argument("<in>", "BER file, or - for stdin")
    .requiredOption("-o, --output <file>", "QEMU stream to write, or - for stdout")
    .addOption(
      new Option(
        "--format <format>",
        "output: keep (the libvirt save image the file came in, else a bare stream), qemu (a bare stream), or a libvirt save image in this format",
      ).choices(["keep", "qemu", ...LIBVIRT_FORMATS.filter((f) => f !== "sparse")]),
    )
    .option("--xml <file>", "domain XML for the libvirt save image (replaces the kept one; checked for well-formedness)")
    .addHelpText(
      "after",
      `
Examples:
  qber export vm.ber -o vm.mig
  qber export guest.ber -o guest.save && virsh restore guest.save
  qber export guest.ber --format xz --xml new-domain.xml -o guest.save
  qemu-system-x86_64 -M pc -m 32 -nodefaults -incoming "exec:qber export vm.ber -o -"`,
    )
    .action(async (input: string, opts: { output: string; format?: ExportOptions["container"]; xml?: string } & LimitFlags) => {
      const src = await openInput(input, {}, "ber");
      const xml = opts.xml === undefined ? undefined : await readFile(opts.xml, "utf8");
      const bar = progress("export", src.size, program.opts<{ quiet?: boolean }>().quiet);
      await readingInput(src, () =>
        withOutput(opts.output, [input], (out) =>
          exportQemuStream(src.source, out, {
            registry: registryFor(),
            onProgress: (n) => bar.update(n),
            ...limitsOption(opts),
            ...(opts.format ? { container: opts.format } : {}),
            ...(xml !== undefined ? { xml } : {}),
          }),
        ),
      );
      bar.done();
    });
  limitOptions(command, { ber: true });
}
