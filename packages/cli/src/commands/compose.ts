import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Command, Option } from "commander";
import { composeMachineJson } from "@qber/snapshot/compose";
import { registryFor } from "../cli/context.js";
import { UsageError } from "../cli/errors.js";
import { withOutput } from "../cli/output.js";

interface ComposeFlags {
  output: string;
  format: "ber" | "qemu";
  machine?: string;
  memory?: string;
  load: string[];
  entry?: string;
}

export function composeCommand(program: Command): void {
  program
    .command("compose")
    .summary("build a whole machine's snapshot from a description, without running QEMU")
    .description(
      "Build a snapshot of a QEMU 7.2 pc or q35 machine from a machine description (docs/compose.md): every device in its power-on state, with overrides, and RAM filled from files. The description is validated before anything is written.",
    )
    .argument("[machine.json]", "machine description (JSON); optional with --machine and --memory")
    .requiredOption("-o, --output <file>", "snapshot to write, or - for stdout")
    .addOption(new Option("--format <format>", "output format").choices(["ber", "qemu"]).default("ber"))
    .option("--machine <type>", "pc or q35 (shorthand for the description's machine)")
    .option("--memory <size>", "guest RAM, e.g. 32M")
    .option("--load <addr=file>", "load a file into guest RAM at a physical address (repeatable)", (v: string, acc: string[]) => [...acc, v], [])
    .option("--entry <addr>", "start CPU 0 at this address in real mode with CS=0")
    .addHelpText(
      "after",
      `
Examples:
  qber compose --machine pc --memory 32M --load 0x7c00=boot.bin --entry 0x7c00 --format qemu -o vm.mig
  qemu-system-x86_64 -M pc -m 32 -nodefaults -incoming "exec:cat vm.mig"   # then: cont
  qber compose machine.json -o vm.ber`,
    )
    .action(async (file: string | undefined, opts: ComposeFlags) => {
      let json: Record<string, unknown> = {};
      let baseDir = process.cwd();
      if (file !== undefined) {
        let text: string;
        try {
          text = await readFile(file, "utf8");
        } catch (e) {
          throw new UsageError(`${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`, 1);
        }
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch (e) {
          throw new UsageError(`${file}: not JSON (${(e as Error).message})`, 1);
        }
        baseDir = dirname(file);
      }
      if (opts.machine !== undefined) json.machine = opts.machine;
      if (opts.memory !== undefined) json.memory = opts.memory;
      if (opts.entry !== undefined) json.entry = opts.entry;
      if (opts.load.length > 0) {
        const loads = opts.load.map((l) => {
          const at = l.indexOf("=");
          if (at <= 0) throw new UsageError(`--load ${l}: expected ADDR=FILE`);
          return { addr: l.slice(0, at), file: l.slice(at + 1) };
        });
        json.load = [...((json.load as unknown[] | undefined) ?? []), ...loads];
      }
      if (file === undefined && (opts.machine === undefined || opts.memory === undefined)) {
        throw new UsageError("give a machine description, or at least --machine and --memory");
      }
      await withOutput(opts.output, file ? [file] : [], (out) => composeMachineJson(json, out, { baseDir, format: opts.format, registry: registryFor() }));
    });
}
