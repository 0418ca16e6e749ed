import type { Command } from "commander";
import { print, registryFor } from "../cli/context.js";
import { UsageError } from "../cli/errors.js";
import { type Input, berOf, named, openInput, type InputFlags, inputOptions } from "../cli/input.js";
import { progress } from "../cli/progress.js";
import { diffSummaries } from "@qber/snapshot/diff";
import { DEFAULT_XBZRLE_CACHE_BYTES, type SnapshotSummary, summarizeSnapshot } from "@qber/snapshot/diff";
import { renderDiffText } from "@qber/snapshot/diff";
import { type LimitFlags, decodeLimitsOf, limitOptions } from "../cli/limits.js";

/**
 * Ends `qber diff` with exit code 1 when the snapshots differ, like diff(1);
 * the CLI prints its message as one `qber: ...` line on stderr.
 */
export class SnapshotsDiffer extends UsageError {
  constructor(a: string, b: string) {
    super(`${a} and ${b} differ`, 1);
  }
}

/** Opens the inputs of a two-file command: at most one may be stdin. */
export async function openInputs(files: readonly string[], flags: InputFlags = {}): Promise<Input[]> {
  if (files.filter((f) => f === "-").length > 1) throw new UsageError("only one input can be - (stdin)");
  const inputs: Input[] = [];
  for (const f of files) inputs.push(await openInput(f, flags));
  return inputs;
}

/** Parses `--xbzrle-cache <MiB>` into bytes. */
export function cacheBytes(mib: string | undefined): number {
  if (mib === undefined) return DEFAULT_XBZRLE_CACHE_BYTES;
  const n = Number(mib);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--xbzrle-cache: expected a positive number of MiB, got ${JSON.stringify(mib)}`);
  return Math.round(n * 1024 * 1024);
}

/** Summarizes one input (a QEMU stream through the importer, on the fly). */
export async function summarizeInput(input: Input, options: { xbzrleCacheBytes: number; quiet?: boolean; flags?: LimitFlags }): Promise<SnapshotSummary> {
  const { source, done, stop } = berOf(input, options.flags);
  const limits = decodeLimitsOf(options.flags ?? {});
  const bar = progress(`read ${input.name}`, input.format === "ber" ? input.size : undefined, options.quiet);
  try {
    const [summary] = await Promise.all([
      summarizeSnapshot(source, {
        registry: registryFor(),
        xbzrleCacheBytes: options.xbzrleCacheBytes,
        onProgress: (n) => bar.update(n),
        ...(limits ? { limits } : {}),
      }),
      done,
    ]);
    return summary;
  } catch (e) {
    // Stop the importer feeding a reader that gave up.
    stop();
    throw named(input, e);
  } finally {
    bar.done();
  }
}

export function diffCommand(program: Command): void {
  if (program.commands.some((c) => c.name() === "diff")) return;
  inputOptions(
    limitOptions(
      program
        .command("diff")
        .summary("compare two snapshots: device fields and RAM contents")
        .description(
          "Compare two snapshots (qber BER files or QEMU streams, in any mix). Sections are matched by name and instance and their fields compared in JSON form; RAM is compared per block on the final contents each file describes (XBZRLE deltas applied), page by page. Exit status: 0 identical, 1 different (or an input is unreadable), 2 usage error.",
        )
        .argument("<a>", "first snapshot, or - for stdin")
        .argument("<b>", "second snapshot, or - for stdin")
        .option("--json", "print one JSON document (see qber help cli)")
        .option("--xbzrle-cache <MiB>", `page contents kept to apply XBZRLE deltas (default ${DEFAULT_XBZRLE_CACHE_BYTES / 1024 / 1024})`)
        .addHelpText(
          "after",
          `
Examples:
  qber diff before.ber after.ber
  qber diff vm.mig vm.ber && echo same
  qber diff a.mig b.mig --json | jq '.sections.changed[] | {name, fields}'
  qber diff a.ber b.ber --json | jq '.ram.blocks[] | select(.differentPages > 0) | .ranges'`,
        )
        .action(async (fileA: string, fileB: string, opts: { json?: boolean; xbzrleCache?: string } & LimitFlags & InputFlags) => {
          const xbzrleCacheBytes = cacheBytes(opts.xbzrleCache);
          const quiet = program.opts<{ quiet?: boolean }>().quiet ?? false;
          const [a, b] = (await openInputs([fileA, fileB], opts)) as [Input, Input];
          const sa = await summarizeInput(a, { xbzrleCacheBytes, quiet, flags: opts });
          const sb = await summarizeInput(b, { xbzrleCacheBytes, quiet, flags: opts });
          const d = diffSummaries(sa, sb, { names: [a.name, b.name] });
          await print(opts.json ? `${JSON.stringify(d, null, 2)}\n` : renderDiffText(d, { summaries: [sa, sb] }));
          if (!d.identical) throw new SnapshotsDiffer(a.name, b.name);
        }),
      { ber: true, qemu: true },
    ),
  );
}
