import type { Command } from "commander";
import type { ByteSource } from "@qber/core";
import { type MemoryDumpFormat, dumpMemory } from "@qber/snapshot/dump";
import { parseSize } from "@qber/snapshot/compose";
import { print, registryFor } from "../cli/context.js";
import { type InputFlags, berOf, inputOptions, openInput } from "../cli/input.js";
import { UsageError } from "../cli/errors.js";
import { withOutputFile } from "../cli/output.js";
import { type LimitFlags, decodeLimitsOf, limitOptions } from "../cli/limits.js";

/** The input as BER, opened anew for each of the dump's two passes; a conversion error surfaces at the end. */
async function* berPass(file: string, flags: LimitFlags & InputFlags): AsyncGenerator<Uint8Array, void, undefined> {
  const ber = berOf(await openInput(file, flags), flags);
  try {
    for await (const chunk of ber.source as AsyncIterable<Uint8Array>) yield chunk;
    await ber.done;
  } finally {
    ber.stop();
  }
}

export function dumpMemoryCommand(program: Command): void {
  inputOptions(
    limitOptions(
      program
        .command("dump-memory")
        .summary("write the guest's memory as QEMU's dump-guest-memory ELF core, or a raw image")
        .description(
          "Write the guest-physical memory of a snapshot as the ELF core QEMU 7.2's dump-guest-memory (paging off) writes for the same state, byte for byte: one PT_NOTE with each vCPU's registers, one PT_LOAD per guest-physical RAM range. --format raw writes one sparse image addressed by guest-physical address instead. The input is read twice (a file, not stdin).",
        )
        .argument("<file>", "BER file or QEMU stream")
        .requiredOption("-o, --output <file>", "file to write, or - for stdout (staged in a temporary file)")
        .option("--format <format>", "elf (QEMU's core) or raw (sparse, by guest-physical address)", "elf")
        .option("--max-ram-below-4g <size>", "the source VM's -machine max-ram-below-4g= (e.g. 2G); the stream does not record it")
        .addHelpText(
          "after",
          `
Examples:
  qber dump-memory vm.mig -o vm.core && gdb -batch -c vm.core -ex 'info registers'
  qber dump-memory vm.ber -o mem.raw --format raw
  qber dump-memory vm.mig -o vm.core --max-ram-below-4g 2G`,
        )
        .action(async (file: string, opts: { output: string; format: string; maxRamBelow4g?: string } & LimitFlags & InputFlags) => {
          if (file === "-") throw new UsageError("dump-memory reads its input twice: give a file, not -");
          if (opts.format !== "elf" && opts.format !== "raw") throw new UsageError(`--format must be elf or raw, not ${opts.format}`);
          let maxRamBelow4g: number | undefined;
          if (opts.maxRamBelow4g !== undefined) {
            try {
              maxRamBelow4g = parseSize(opts.maxRamBelow4g);
            } catch {
              throw new UsageError(`--max-ram-below-4g: not a size: ${opts.maxRamBelow4g}`);
            }
          }
          const limits = decodeLimitsOf(opts);
          const open = (): ByteSource => berPass(file, opts);
          const summary = await withOutputFile(opts.output, [file], (path) =>
            dumpMemory(open, path, {
              format: opts.format as MemoryDumpFormat,
              registry: registryFor(),
              ...(maxRamBelow4g !== undefined ? { maxRamBelow4g } : {}),
              ...(limits ? { limits } : {}),
            }),
          );
          if (opts.output !== "-") {
            const hex = (n: number) => `0x${n.toString(16).padStart(9, "0")}`;
            await print(
              `${opts.output}: ${summary.format === "elf" ? "ELF core" : "raw image"}, ${summary.size} bytes, ${summary.machineType}, ${summary.cpus} vCPU${summary.cpus === 1 ? "" : "s"}\n` +
                summary.ranges.map((r) => `  ${hex(r.start)}-${hex(r.start + r.length - 1)}  ${r.block} +0x${r.offset.toString(16)}\n`).join(""),
            );
          }
        }),
      { ber: true, qemu: true },
    ),
  );
}
