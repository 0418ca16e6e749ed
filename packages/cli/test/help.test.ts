/**
 * `qber help TOPIC` prints the docs shipped in the package (the repository's
 * docs/*.md, copied into dist/docs/ by the build: run `npm run prepare`
 * first), and no --help points at a docs/ path, which an installed qber
 * does not have.
 */
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../src/cli/program.js";
import { runCli } from "./run-cli.js";

const docs = fileURLToPath(new URL("../../../docs/", import.meta.url));
const topics = readdirSync(docs)
  .filter((f) => f.endsWith(".md"))
  .map((f) => f.slice(0, -3));

describe("qber help", () => {
  it.each(topics)("qber help %s prints the document of that name", async (topic) => {
    const r = await runCli(["help", topic]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(`${docs}${topic}.md`, "utf8"));
  });

  it("qber help lists the topics; qber --help too", async () => {
    for (const argv of [["help"], ["--help"]]) {
      const r = await runCli(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Documentation: qber help TOPIC, TOPIC one of ${[...topics].sort().join(", ")}.`);
    }
  });

  it("qber help COMMAND is the command's --help, unless a document has the name", async () => {
    expect((await runCli(["help", "compose"])).stdout).toBe(readFileSync(`${docs}compose.md`, "utf8"));
    const r = await runCli(["help", "inspect"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await runCli(["inspect", "--help"])).stdout);
  });

  it("an unknown topic is a usage error that lists the topics", async () => {
    const r = await runCli(["help", "nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`qber: no help topic nope: the topics are ${[...topics].sort().join(", ")}; a command name gives its --help\n`);
  });

  it("no --help names a docs/ file; every `qber help X` it names exists", async () => {
    const program = buildProgram();
    const commands = program.commands.map((c) => c.name());
    for (const argv of [["--help"], ...commands.map((c) => [c, "--help"])]) {
      const { stdout } = await runCli(argv);
      expect(stdout, argv.join(" ")).not.toMatch(/docs\/[\w-]+\.md/);
      for (const [, name] of stdout.matchAll(/qber help ([\w-]+)/g))
        expect([...topics, ...commands, "TOPIC"], `${argv.join(" ")}: qber help ${name}`).toContain(name);
    }
  });
});
