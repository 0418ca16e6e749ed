/**
 * A qber BER file to its JSON form (docs/json-form.md), streaming: sections
 * are written as they are read, RAM page by page, so memory does not grow
 * with the snapshot.
 *
 * While it writes, it checks that `encode` will give back the input byte for
 * byte: a writer produces what encode would produce and a comparator holds it
 * against the input. A SecFull whose DER re-encoding differs from its bytes
 * is recorded with `raw` (its exact bytes). A SecMin that neither framing
 * reproduces is only found out once it has been written: `decodeToJson`
 * names those sections in its summary (`needsRaw`), and a second pass with
 * them as `rawMins` records their bytes (as hex). `decodeToJsonFile` runs
 * that second pass itself when the input can be read again.
 */
import {
  type ByteSink,
  type ByteSource,
  type DecodeLimits,
  FramedWriter,
  QberDecodeError,
  type Registry,
  emptyRegistry,
  encodeValue,
  readSections,
} from "@qber/core";
import { defaultRegistry } from "@qber/devices";
import { SnapshotContext } from "@qber/qemu/classify";
import { JSON_FORMAT, JSON_FORMAT_VERSION, type JsonSecFull, type Lengths, hexOf, pretty, secFullToJson } from "./model.js";
import { type PassOutput, runPass } from "./pass-output.js";
import { TextOut } from "./text-out.js";
import { viewOf } from "./view.js";
import { ByteWindow, Comparator, headerAt, tee } from "./window.js";
import type { ImportOptions } from "@qber/qemu/bridge";
import { type Input, readAsBer } from "@qber/qemu/input";

export interface SectionSpan {
  readonly offset: number;
  readonly length: number;
}

export interface DecodeJsonOptions {
  /** Plugins that name device fields for the `view`s (default: defaultRegistry of @qber/devices). */
  readonly registry?: Registry;
  /** Add each device section's `view` (default true). */
  readonly fields?: boolean;
  /** SecMins (by section index) to record as raw bytes. */
  readonly rawMins?: ReadonlyMap<number, SectionSpan>;
  readonly limits?: Partial<DecodeLimits>;
  readonly onProgress?: (offset: number) => void;
}

export interface DecodeJsonSummary {
  readonly framing: Lengths;
  readonly sections: number;
  /** Sections recorded as raw bytes. */
  readonly raw: number;
  /**
   * SecMins (by section index) in a form neither framing reproduces: the
   * JSON written re-encodes them to equivalent bytes, not the same ones.
   * Empty when the JSON gives back the input byte for byte; otherwise decode
   * again with this as `rawMins`.
   */
  readonly needsRaw: ReadonlyMap<number, SectionSpan>;
}

const RAW_PIECE = 32 * 1024;

export async function decodeToJson(source: ByteSource, sink: ByteSink, options: DecodeJsonOptions = {}): Promise<DecodeJsonSummary> {
  const context = new SnapshotContext(options.registry ?? defaultRegistry);
  const withFields = options.fields ?? true;
  const rawMins = options.rawMins ?? new Map<number, SectionSpan>();
  const text = new TextOut(sink);
  const window = new ByteWindow();
  const cmp = new Comparator(window);
  let keepFrom = 0;
  const src = tee(source, (chunk) => {
    window.append(chunk);
    cmp.pump();
    window.dropBefore(Math.min(cmp.position, keepFrom));
  });

  let out: FramedWriter | undefined;
  let framing: Lengths = "indefinite";
  let index = 0;
  let rawCount = 0;
  const mins: { index: number; offset: number; section: { readonly length: number | undefined } }[] = [];
  /** A raw SecMin whose bytes are still being copied out. */
  let pending: { at: number; end: number; first: boolean } | undefined;

  const put = async (s: string): Promise<void> => {
    const p = text.write(s);
    if (p) await p;
  };

  const start = async (): Promise<FramedWriter> => {
    const file = headerAt(window, 0);
    framing = file.length < 0 ? "indefinite" : "definite";
    const w = new FramedWriter(cmp.expect, framing);
    if (framing === "definite") {
      const version = headerAt(window, file.headerLength);
      const top = headerAt(window, file.headerLength + version.headerLength + version.length);
      w.begin(Math.max(0, top.length));
    } else {
      w.begin();
    }
    await put(`{\n  "format": ${JSON.stringify(JSON_FORMAT)},\n  "formatVersion": ${JSON_FORMAT_VERSION},\n  "framing": "${framing}",\n  "sections": [`);
    return w;
  };

  /** Copies out what the window holds of the pending raw SecMin (all of it when `all`). */
  const drainRaw = async (w: FramedWriter, all: boolean): Promise<void> => {
    if (!pending) return;
    const until = Math.min(pending.end, window.end);
    while (pending.at < until) {
      const to = Math.min(until, pending.at + RAW_PIECE);
      const bytes = window.slice(pending.at, to);
      await w.raw(bytes);
      await put(`${pending.first ? "" : ","}\n        "${hexOf(bytes)}"`);
      pending.first = false;
      pending.at = to;
      keepFrom = to;
    }
    if (all || pending.at >= pending.end) {
      if (pending.at < pending.end) throw new QberDecodeError("the input changed between two decoding passes", { offset: pending.at });
      await put("\n      ]\n    }");
      pending = undefined;
    }
  };

  try {
    return await decodeSections(src);
  } finally {
    // The reader does not always close its source when it throws: close the file here.
    await src.return(undefined);
  }

  async function decodeSections(src: AsyncGenerator<Uint8Array, void, undefined>): Promise<DecodeJsonSummary> {
    for await (const s of readSections(src, emptyRegistry, options.limits ? { limits: options.limits } : {})) {
      options.onProgress?.(s.offset);
      out ??= await start();
      await drainRaw(out, true);
      await out.flush();
      cmp.sync(s.offset, index);
      keepFrom = s.offset;
      await put(index === 0 ? "\n    " : ",\n    ");

      if (s.kind === "full") {
        const sec = s.section;
        const bytes = window.slice(s.offset, s.offset + s.length);
        const same = Buffer.compare(bytes, encodeValue("SecFull", sec)) === 0;
        await out.raw(bytes);
        let json: JsonSecFull = secFullToJson(sec);
        if (!same) {
          json = { ...json, raw: hexOf(bytes) };
          rawCount++;
        }
        if (withFields && context.see(sec) === "device") json = { ...json, view: viewOf(context.decode(sec)) };
        await put(pretty(json, "    "));
      } else if (rawMins.has(index)) {
        const span = rawMins.get(index)!;
        if (span.offset !== s.offset) throw new QberDecodeError("the input changed between two decoding passes", { offset: s.offset });
        rawCount++;
        await put(`{\n      "type": "min",\n      "id": "${s.sectionId}",\n      "raw": [`);
        pending = { at: s.offset, end: s.offset + span.length, first: true };
        for await (const block of s.blocks) {
          for await (const _batch of block.pages) await drainRaw(out, false);
        }
        await drainRaw(out, false);
      } else {
        mins.push({ index, offset: s.offset, section: s });
        const minHeader = headerAt(window, s.offset);
        const lengths: Lengths = minHeader.length < 0 ? "indefinite" : "definite";
        if (lengths === "definite") {
          const idAt = s.offset + minHeader.headerLength;
          const id = headerAt(window, idAt);
          const ramsec = headerAt(window, idAt + id.headerLength + Math.max(0, id.length));
          out.beginMin(s.sectionId, lengths, { min: minHeader.length, ramsec: Math.max(0, ramsec.length) });
        } else {
          out.beginMin(s.sectionId, lengths);
        }
        // The rest of the section is read as pages and compared as it is
        // rewritten: the window need not hold it back to its start.
        keepFrom = Number.POSITIVE_INFINITY;
        await put(`{\n      "type": "min",\n      "id": "${s.sectionId}",\n      "lengths": "${lengths}",\n      "blocks": [`);
        let b = 0;
        for await (const block of s.blocks) {
          if (lengths === "definite") {
            const bh = headerAt(window, block.offset);
            const nameAt = block.offset + bh.headerLength;
            const name = headerAt(window, nameAt);
            const pagelist = name.length < 0 ? { length: 0 } : headerAt(window, nameAt + name.headerLength + name.length);
            out.beginBlock(block.name, { block: Math.max(0, bh.length), pagelist: Math.max(0, pagelist.length) });
          } else {
            out.beginBlock(block.name);
          }
          await put(`${b++ === 0 ? "" : ","}\n        {\n          "name": ${JSON.stringify(block.name)},\n          "pages": [`);
          let first = true;
          for await (const batch of block.pages) {
            const lines: string[] = [];
            for (let i = 0; i < batch.length; i++) {
              const p = batch.page(i);
              const n = batch.addrNumber(i);
              const addr = Number.isNaN(n) || n < 0 ? null : `0x${n.toString(16)}`;
              let line: string;
              if (p.kind === "hook") line = `{"kind":"hook"}`;
              else if (p.kind === "compr") line = `{"kind":"compr","addr":"${addr ?? addrString(p.addr)}"}`;
              else line = `{"kind":"${p.kind}","addr":"${addr ?? addrString(p.addr)}","data":"${hexOf(p.data)}"}`;
              lines.push(`${first ? "" : ","}\n            ${line}`);
              first = false;
              const w = out.page(p);
              if (w) await w;
            }
            await put(lines.join(""));
          }
          out.endBlock();
          await put(`${first ? "]" : "\n          ]"}\n        }`);
        }
        out.endMin();
        await put(`${b === 0 ? "]" : "\n      ]"}\n    }`);
      }
      index++;
    }

    out ??= await start();
    await drainRaw(out, true);
    await out.end();
    cmp.sync(window.end, index);
    await put(`${index === 0 ? "]" : "\n  ]"}\n}\n`);
    await text.flush();

    const needed = new Map<number, SectionSpan>();
    for (const m of cmp.mismatches) {
      if (m.section < 0 || m.section >= index) {
        throw new QberDecodeError(
          `the ${m.section < 0 ? "file header" : "end of the file"} is not in a form qber writes (streaming or DER); the JSON form cannot reproduce it byte for byte`,
          { offset: m.offset },
        );
      }
      const min = mins.find((x) => x.index === m.section);
      if (min === undefined) throw new QberDecodeError(`section ${m.section} did not re-encode to its own bytes`, { offset: m.offset });
      needed.set(m.section, { offset: min.offset, length: min.section.length ?? 0 });
    }
    return { framing, sections: index, raw: rawCount, needsRaw: needed };
  }
}

function addrString(addr: bigint): string {
  return addr < 0n ? `-0x${(-addr).toString(16)}` : `0x${addr.toString(16)}`;
}

export interface DecodeJsonFileOptions extends Omit<DecodeJsonOptions, "rawMins"> {
  /**
   * Opens the input again, for a second pass that keeps the exact bytes of
   * SecMins neither framing reproduces. Absent when the input cannot be read
   * twice (stdin, a pipe); a QEMU stream is not read twice either (its BER
   * comes from converting it, and is in a form qber writes).
   */
  readonly reopen?: () => Promise<Input>;
  /** How a QEMU stream is converted (its registry defaults to `registry`). */
  readonly import?: ImportOptions;
}

/** Why a JSON form is not byte-exact. */
export interface InexactJson {
  /** SecMins (by section index) whose bytes the JSON does not keep. */
  readonly sections: readonly number[];
  /** What stopped the second pass: the input cannot be read again, or the output cannot drop the first pass. */
  readonly because: "input" | "output";
  /** Whether the (equivalent but not byte-exact) JSON went to the output; when the output discards, it did not. */
  readonly written: boolean;
}

export interface DecodeJsonFileSummary extends DecodeJsonSummary {
  /** Set when the JSON could not be made to give back the input byte for byte. */
  readonly inexact?: InexactJson;
}

/**
 * `decodeToJson` for a whole input: a qber BER file, or a QEMU stream
 * converted on the fly. When SecMins turn out to need their raw bytes, the
 * first pass is dropped and the input read again with them (`reopen`),
 * when input and output allow it; otherwise the summary says why not
 * (`inexact`), and a discarding output keeps nothing.
 */
export async function decodeToJsonFile(input: Input, output: PassOutput, options: DecodeJsonFileOptions = {}): Promise<DecodeJsonFileSummary> {
  const { reopen, import: importOptions, ...decodeOptions } = options;
  const convert: ImportOptions = { ...(options.registry ? { registry: options.registry } : {}), ...importOptions };
  // An inexact pass is dropped when the output can drop it: redone, or reported with nothing left behind.
  const pass = (from: Input, rawMins: ReadonlyMap<number, SectionSpan> | undefined): Promise<DecodeJsonSummary> =>
    runPass(output, async (sink) => {
      const summary = await readAsBer(from, (source) => decodeToJson(source, sink, { ...decodeOptions, ...(rawMins ? { rawMins } : {}) }), convert);
      return { keep: summary.needsRaw.size === 0 || !output.discards, value: summary };
    });
  const inexact = (summary: DecodeJsonSummary, because: InexactJson["because"]): DecodeJsonFileSummary => ({
    ...summary,
    inexact: { sections: [...summary.needsRaw.keys()], because, written: !output.discards },
  });

  const rereadable = reopen !== undefined && input.format === "ber";
  const first = await pass(input, undefined);
  if (first.needsRaw.size === 0) return first;
  if (!rereadable) return inexact(first, "input");
  if (!output.discards) return inexact(first, "output");
  const second = await pass(await reopen(), first.needsRaw);
  // The input changed between the passes in a way that moved which sections need raw bytes.
  if (second.needsRaw.size > 0) return inexact(second, "input");
  return second;
}
