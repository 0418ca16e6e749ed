/**
 * The qber command line: commander for parsing, one module per command,
 * exit codes 0 (success), 1 (invalid input or failure), 2 (usage).
 */
import { Command, CommanderError } from "commander";
import { isQberError } from "@qber/core";
import { composeCommand } from "../commands/compose.js";
import { decodeCommand } from "../commands/decode.js";
import { devicesCommand } from "../commands/devices.js";
import { diffCommand } from "../commands/diff.js";
import { dumpMemoryCommand } from "../commands/dump-memory.js";
import { encodeCommand } from "../commands/encode.js";
import { exportCommand } from "../commands/export.js";
import { extractRamCommand } from "../commands/extract-ram.js";
import { helpCommand } from "../commands/help.js";
import { importCommand } from "../commands/import.js";
import { inspectCommand } from "../commands/inspect.js";
import { reportCommand } from "../commands/report.js";
import { schemaCommand } from "../commands/schema.js";
import { validateCommand } from "../commands/validate.js";
import { keepMade, removeMade } from "./cleanup.js";
import { usePlugins } from "./context.js";
import { UsageError, describeSystemError } from "./errors.js";
import { PLUGINS_VARIABLE, loadPluginModules, pluginModuleSpecs } from "./plugin-modules.js";
import { packageVersion } from "./version.js";

export function buildProgram(): Command {
  const program = new Command("qber")
    .description(
      "Read, write, validate, inspect, diff and compose QEMU VM snapshots in the ASN.1/BER migration format, and convert to and from QEMU's own stream.",
    )
    .version(packageVersion())
    .option("-q, --quiet", "no progress on stderr")
    .option("--debug", "print stack traces of errors")
    .option(
      "--plugin <module>",
      `load device plugins from an ES module (a path such as ./plugin.js, or a package name); repeatable, after those of $${PLUGINS_VARIABLE} (a list separated like PATH); loaded plugins win over built-in ones (qber help adding-a-device)`,
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .showHelpAfterError("qber: see qber --help")
    // Commander says "error: ..."; every line qber prints about a failure starts with "qber:".
    .configureOutput({ outputError: (text, write) => write(text.replace(/^(?:error: )?(?=.)/gm, "qber: ")) })
    .exitOverride();
  importCommand(program);
  exportCommand(program);
  inspectCommand(program);
  validateCommand(program);
  decodeCommand(program);
  encodeCommand(program);
  diffCommand(program);
  extractRamCommand(program);
  dumpMemoryCommand(program);
  reportCommand(program);
  composeCommand(program);
  devicesCommand(program);
  schemaCommand(program);
  helpCommand(program);
  for (const c of program.commands) c.exitOverride().showHelpAfterError(`qber: see qber ${c.name()} --help`);
  // Every command takes its registry from registryFor(): the plugins go in before any action runs.
  program.hook("preAction", async () => {
    const specs = pluginModuleSpecs(program.opts<{ plugin?: string[] }>().plugin ?? [], process.env[PLUGINS_VARIABLE]);
    usePlugins(await loadPluginModules(specs));
  });
  return program;
}

/** Runs the CLI; resolves to the exit code. A command that fails leaves nothing it made behind. */
export async function main(argv: readonly string[]): Promise<number> {
  const code = await run(argv);
  if (code === 0) keepMade();
  else removeMade();
  return code;
}

async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    const debug = program.opts<{ debug?: boolean }>().debug;
    if (e instanceof UsageError) {
      process.stderr.write(`qber: ${e.message}\n`);
      return e.exitCode;
    }
    if (isQberError(e)) {
      process.stderr.write(`qber: ${e.message}\n`);
      if (debug) process.stderr.write(`${e.stack}\n`);
      return 1;
    }
    process.stderr.write(`qber: ${describeSystemError(e) ?? (e as Error).message ?? String(e)}\n`);
    if (debug) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}
