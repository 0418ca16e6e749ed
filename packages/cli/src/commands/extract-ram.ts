import { join } from "node:path";
import type { Command } from "commander";
import { type ReconstructResult, blockFileName, fileRamSink, reconstructRam } from "@qber/ram";
import { makeFolder, madeFile, moveMade } from "../cli/cleanup.js";
import { print } from "../cli/context.js";
import { type InputFlags, berOf, inputOptions, openInput, readingInput } from "../cli/input.js";
import { counted, progress } from "../cli/progress.js";
import { type LimitFlags, decodeLimitsOf, limitOptions } from "../cli/limits.js";

export function extractRamCommand(program: Command): void {
  inputOptions(
    limitOptions(
      program
        .command("extract-ram")
        .summary("write one raw image per RAM block, XBZRLE applied")
        .description(
          "Rebuild every RAM block of a snapshot and write it as a raw (sparse) image, named after the block with every character outside [A-Za-z0-9._-] replaced by _, plus .img. Images are written under temporary names and renamed when all are complete.",
        )
        .argument("<file>", "BER file or QEMU stream, or - for stdin")
        .requiredOption("-o, --output <dir>", "directory for the images (created if missing)")
        .addHelpText(
          "after",
          `
Examples:
  qber extract-ram vm.ber -o ram/        # ram/pc.ram.img, ram/pc.bios.img, ram/_rom_etc_acpi_tables.img, ...
  qber extract-ram vm.mig -o ram/ && cmp ram/pc.ram.img dump.bin`,
        )
        .action(async (file: string, opts: { output: string } & LimitFlags & InputFlags) => {
          const input = await openInput(file, opts);
          // Progress counts the input's own bytes, whichever its format.
          const bar = progress("extract-ram", input.size, program.opts<{ quiet?: boolean }>().quiet);
          const { source, done } = berOf({ ...input, source: counted(input.source, bar) }, opts);
          const limits = decodeLimitsOf(opts);
          // The folder, the images and their temporaries are registered with cleanup.ts: a failure or an interruption takes them all back.
          makeFolder(opts.output);
          const taken = new Set<string>();
          const written: { tmp: string; path: string }[] = [];
          const stamp = `${process.pid}-${Date.now().toString(36)}`;
          let result: ReconstructResult;
          try {
            [result] = await readingInput(input, () =>
              Promise.all([
                reconstructRam(
                  source,
                  (block) => {
                    const path = join(opts.output, blockFileName(block.name, taken));
                    const tmp = `${path}.${stamp}.tmp`;
                    written.push({ tmp, path });
                    madeFile(tmp);
                    return fileRamSink(tmp, block.length);
                  },
                  limits ? { limits } : {},
                ),
                done,
              ]),
            );
          } finally {
            bar.done();
          }
          for (const w of written) moveMade(w.tmp, w.path);
          await print(result.blocks.map((b, i) => `${written[i]?.path ?? b.name}  ${b.length} bytes  ${b.name}\n`).join(""));
        }),
      { ber: true, qemu: true },
    ),
  );
}
