/**
 * `qber help [TOPIC]`: the documentation shipped with the command (the
 * repository's docs/*.md, copied into dist/docs/ by the build), so an
 * installed qber needs no clone and no network to explain itself. A TOPIC
 * that names a command (and no document) prints that command's --help.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { print } from "../cli/context.js";
import { UsageError } from "../cli/errors.js";
import { packageRoot } from "../cli/package-root.js";

const docsDir = (): string => join(packageRoot(), "dist", "docs");

/** The documentation topics: the shipped docs' names without `.md`. */
export function helpTopics(): string[] {
  const dir = docsDir();
  if (!existsSync(dir)) throw new UsageError(`the documentation is not installed (no ${dir}; a build from the repository copies it there)`, 1);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .map((f) => f.slice(0, -3))
    .sort();
}

export function helpCommand(program: Command): void {
  program.helpCommand(false);
  program.addHelpText("after", () => {
    try {
      return `\nDocumentation: qber help TOPIC, TOPIC one of ${helpTopics().join(", ")}.`;
    } catch {
      return "";
    }
  });
  program
    .command("help")
    .summary("print a documentation topic, or a command's help")
    .description("Print one of the documents shipped with qber (Markdown), or the --help of a command. Without a topic, list the topics and the commands.")
    .argument("[topic]", "a documentation topic or a command name")
    .addHelpText(
      "after",
      `
Examples:
  qber help cli                 every command, its options and the JSON documents they print
  qber help adding-a-device     a device plugin of your own, for --plugin
  qber help inspect             the same as qber inspect --help`,
    )
    .action(async (topic: string | undefined) => {
      if (topic === undefined) {
        program.outputHelp();
        return;
      }
      // A topic wins over a command of the same name (compose): the command's help stays `qber compose --help`.
      const topics = helpTopics();
      const command = program.commands.find((c) => c.name() === topic && c.name() !== "help");
      if (!topics.includes(topic) && command !== undefined) {
        command.outputHelp();
        return;
      }
      if (!topics.includes(topic)) throw new UsageError(`no help topic ${topic}: the topics are ${topics.join(", ")}; a command name gives its --help`);
      await print(readFileSync(join(docsDir(), `${topic}.md`), "utf8"));
    });
}
