import { createWriteStream, mkdtempSync } from "node:fs";
import { open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { type ByteSource, fileSource, isQberError, sniffFormat } from "@qber/core";
import { importQemuStream } from "@qber/qemu/bridge";
import { peekStream } from "@qber/qemu/input";
import { forget, madeFile, madeFolder } from "../cli/cleanup.js";
import { registryFor } from "../cli/context.js";
import { UsageError } from "../cli/errors.js";
import { stdin } from "../cli/input.js";
import { checkOutput, passOutput, withOutput } from "../cli/output.js";
import { progress } from "../cli/progress.js";
import { encodeFromJsonFile } from "@qber/snapshot/json";
import { JsonSyntaxError } from "@qber/snapshot/json";
import { type LimitFlags, importLimitsOf, limitOptions } from "../cli/limits.js";

type EncodeInput = { readonly kind: "json"; readonly path: string } | { readonly kind: "qemu"; readonly source: ByteSource; readonly size: number | undefined };

function kindOf(name: string, head: Uint8Array): "json" | "qemu" {
  const format = sniffFormat(head);
  if (format === "qemu") return "qemu";
  if (format === "ber") throw new UsageError(`${name}: this is a qber BER file already; encode takes the JSON form from qber decode (or a QEMU stream)`, 1);
  const text = Buffer.from(head)
    .toString("latin1")
    .replace(/^\ufeff|^\xef\xbb\xbf/, "")
    .trimStart();
  if (text.startsWith("{")) return "json";
  throw new UsageError(`${name}: not the JSON form of a qber file (it does not start with "{") nor a QEMU migration stream ("QEVM")`, 1);
}

async function fileHead(path: string): Promise<Uint8Array> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory`, 1);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`, 1);
  }
  const fh = await open(path, "r");
  try {
    const head = new Uint8Array(256);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Runs `work` with the input as JSON on a re-readable file (stdin JSON is
 * spooled to a temporary file, since definite lengths take two passes) or as
 * a QEMU stream.
 */
async function withEncodeInput<T>(file: string, work: (input: EncodeInput) => Promise<T>): Promise<T> {
  if (file !== "-") {
    const kind = kindOf(file, await fileHead(file));
    if (kind === "json") return work({ kind, path: file });
    return work({ kind, source: fileSource(file), size: (await stat(file)).size });
  }
  const { head, source } = await peekStream(stdin.source(), 16);
  const kind = kindOf("stdin", head);
  if (kind === "qemu") return work({ kind, source, size: undefined });
  // The folder is made synchronously and registered in the same tick, so an interruption cannot come in between.
  const dir = mkdtempSync(join(tmpdir(), "qber-encode-"));
  const path = join(dir, "stdin.json");
  madeFolder(dir);
  madeFile(path);
  try {
    // stdin's chunks live in reused buffers: copy each before the file stream queues it.
    await pipeline(
      (async function* () {
        for await (const chunk of source) yield chunk.slice();
      })(),
      createWriteStream(path),
    );
    return await work({ kind, path });
  } finally {
    await rm(dir, { recursive: true, force: true });
    forget(path);
    forget(dir);
  }
}

export function encodeCommand(program: Command): void {
  limitOptions(
    program
      .command("encode")
      .summary("turn qber's JSON form back into a BER file")
      .description(
        "Write the BER file that a JSON form (from qber decode, maybe edited) describes: byte for byte the file it was decoded from, when unedited. Device sections are checked first: one that does not decode through its plugin (or the file's vmdesc) or breaks a bound of its description is refused, naming device and field, unless --no-validate. Given a QEMU stream, encode converts it like qber import.",
      )
      .argument("<in>", "JSON file (or a QEMU stream), or - for stdin")
      .requiredOption("-o, --output <file>", "BER file to write, or - for stdout")
      .option("--no-validate", "write device state even when it breaks its bounds (to make test inputs)")
      .addHelpText(
        "after",
        `
Examples:
  qber encode vm.json -o vm.ber
  qber decode vm.ber -o - | jq '(.sections[] | select(.name == "hpet") | .contents.vmstate[0].int) = "1"' | qber encode - -o edited.ber
  qber encode broken.json -o broken.ber --no-validate && qber validate broken.ber`,
      )
      .action(async (file: string, opts: { output: string; validate: boolean } & LimitFlags) => {
        const quiet = program.opts<{ quiet?: boolean }>().quiet;
        // Refused now rather than after spooling stdin.
        checkOutput(opts.output, [file]);
        await withEncodeInput(file, async (input) => {
          if (input.kind === "qemu") {
            const bar = progress("encode", input.size, quiet);
            const summary = await withOutput(opts.output, [file], (out) =>
              importQemuStream(input.source, out, { registry: registryFor(), onProgress: (n) => bar.update(n), ...importLimitsOf(opts) }),
            );
            bar.done();
            for (const w of summary.warnings) process.stderr.write(`qber: warning: ${w}\n`);
            return;
          }
          const name = file === "-" ? "stdin" : file;
          try {
            await encodeFromJsonFile(() => fileSource(input.path), passOutput(opts.output, [file]), { registry: registryFor(), validate: opts.validate });
          } catch (e) {
            if (e instanceof JsonSyntaxError || isQberError(e)) throw new UsageError(`${name}: ${e.message}`, 1);
            throw e;
          }
        });
      }),
    { qemu: true },
  );
}
