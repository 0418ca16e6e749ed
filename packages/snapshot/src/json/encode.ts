/**
 * The JSON form back to a qber BER file, streaming: the JSON text is read
 * incrementally (one section object, or one page, in memory at a time) and
 * the file is written as it is read.
 *
 * Indefinite framing with indefinite SecMins (the streaming form) takes one
 * pass. Definite lengths must be known before their contents are written: a
 * first pass over the JSON measures them (`measureJson`), a second writes.
 * `encodeFromJsonFile` runs what a JSON form needs: it writes in one pass
 * until it meets a definite container (at the start for DER files, before
 * anything is written), and then measures and writes again.
 */
import {
  type ByteSink,
  FramedWriter,
  QberEncodeError,
  type RamPage,
  type Registry,
  type SecFull,
  type SecMinSizes,
  decodeValue,
  encodeValue,
  ramBlockLengths,
  ramPageDerSize,
  secMinDerSize,
  secMinLengths,
  writeToSink,
} from "@qber/core";
import { SnapshotContext } from "@qber/qemu/classify";
import { defaultRegistry } from "@qber/devices";
import { deviceProblems } from "../validate/device-problems.js";
import { JsonReader } from "./json-reader.js";
import { type PassOutput, runPass } from "./pass-output.js";
import { staleView } from "./view.js";
import { JSON_FORMAT, type Lengths, bigOf, bytesOf, jsonError, pageFromJson, secFullFromJson, shown } from "./model.js";

/** What the JSON walk hands out, in file order. */
interface Visitor {
  begin(framing: Lengths): void | Promise<void>;
  /** A SecFull, with the `view` the JSON form gave it (undefined when none). */
  full(bytes: Uint8Array, section: SecFull, index: number, view: unknown): Promise<void>;
  beginMin(id: bigint, lengths: Lengths, index: number): void;
  block(name: string): void;
  page(p: RamPage): Promise<void> | undefined;
  endBlock(): void;
  endMin(): void | Promise<void>;
  rawMin(id: bigint, index: number): void;
  rawPiece(bytes: Uint8Array): Promise<void>;
  endRawMin(): void;
  end(): Promise<void>;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

/** A SecFull's bytes: its raw bytes when recorded (and still matching `contents`), else its DER encoding. */
function secFullBytes(o: Record<string, unknown>, where: string): { bytes: Uint8Array; section: SecFull } {
  const section = secFullFromJson(o, where);
  const canonical = encodeValue("SecFull", section);
  if (o["raw"] === undefined) return { bytes: canonical, section };
  const raw = bytesOf(o["raw"], `${where}.raw`);
  let decoded: SecFull;
  try {
    decoded = decodeValue("SecFull", raw);
  } catch (e) {
    return jsonError(`raw is not a SecFull: ${(e as Error).message}`, `${where}.raw`);
  }
  if (!same(encodeValue("SecFull", decoded), canonical)) {
    jsonError("contents (or name, ids, version) differ from raw: delete raw to encode the edited section in DER, or undo the edit", where);
  }
  return { bytes: raw, section };
}

async function walk(r: JsonReader, v: Visitor): Promise<void> {
  await r.beginObject();
  let framing: Lengths | undefined;
  let sawFormat = false;
  for (let key = await r.key(); key !== undefined; key = await r.key()) {
    if (key === "format") {
      if ((await r.value()) !== JSON_FORMAT) jsonError(`format must be "${JSON_FORMAT}"`, "format");
      sawFormat = true;
    } else if (key === "formatVersion") {
      const fv = await r.value();
      if (fv !== 1) jsonError(`formatVersion ${shown(fv)} is not supported (1)`, "formatVersion");
    } else if (key === "framing") {
      const f = await r.value();
      if (f !== "definite" && f !== "indefinite") jsonError('framing must be "definite" or "indefinite"', "framing");
      framing = f;
    } else if (key === "sections") {
      if (!sawFormat) jsonError(`not the JSON form of a qber file: "format": "${JSON_FORMAT}" must come first`, "");
      if (framing === undefined) jsonError("framing must come before sections", "sections");
      await v.begin(framing);
      await sections(r, v);
      await v.end();
      framing = undefined;
      sawFormat = false;
      for (let k = await r.key(); k !== undefined; k = await r.key()) await r.value();
      await r.end();
      return;
    } else {
      await r.value();
    }
  }
  jsonError(sawFormat ? "no sections" : `not the JSON form of a qber file (no "format": "${JSON_FORMAT}")`, "");
}

async function sections(r: JsonReader, v: Visitor): Promise<void> {
  await r.beginArray();
  for (let index = 0; await r.more(); index++) {
    const where = `sections[${index}]`;
    await r.beginObject();
    const o: Record<string, unknown> = {};
    let streamed = false;
    for (let key = await r.key(); key !== undefined; key = await r.key()) {
      if (o["type"] === "min" && (key === "blocks" || key === "raw")) {
        if (streamed) jsonError("a SecMin has either blocks or raw", where);
        streamed = true;
        const id = bigOf(o["id"], `${where}.id (must come before ${key})`);
        if (key === "raw") {
          v.rawMin(id, index);
          await r.beginArray();
          for (let i = 0; await r.more(); i++) await v.rawPiece(bytesOf(await r.value(), `${where}.raw[${i}]`));
          v.endRawMin();
        } else {
          const lengths = o["lengths"];
          if (lengths !== "definite" && lengths !== "indefinite") jsonError('lengths ("definite" or "indefinite") must come before blocks', `${where}.lengths`);
          v.beginMin(id, lengths, index);
          await blocks(r, v, `${where}.blocks`);
          await v.endMin();
        }
        continue;
      }
      if (key === "blocks" || key === "raw" || key === "contents" || key === "view") {
        if (o["type"] === undefined) jsonError(`type must come before ${key}`, where);
      }
      o[key] = await r.value();
    }
    if (o["type"] === "full") {
      const { bytes, section } = secFullBytes(o, where);
      await v.full(bytes, section, index, o["view"]);
    } else if (o["type"] === "min") {
      if (!streamed) jsonError("a SecMin needs blocks (or raw)", where);
    } else {
      jsonError('type must be "full" or "min"', `${where}.type`);
    }
  }
}

async function blocks(r: JsonReader, v: Visitor, where: string): Promise<void> {
  await r.beginArray();
  for (let b = 0; await r.more(); b++) {
    await r.beginObject();
    let name: string | undefined;
    let sawPages = false;
    for (let key = await r.key(); key !== undefined; key = await r.key()) {
      if (key === "name") {
        const n = await r.value();
        if (typeof n !== "string") jsonError("expected a string", `${where}[${b}].name`);
        name = n;
      } else if (key === "pages") {
        if (name === undefined) jsonError("name must come before pages", `${where}[${b}]`);
        sawPages = true;
        v.block(name);
        await r.beginArray();
        for (let i = 0; await r.more(); i++) {
          const w = v.page(pageFromJson(await r.value(), `${where}[${b}].pages[${i}]`));
          if (w) await w;
        }
        v.endBlock();
      } else {
        await r.value();
      }
    }
    if (!sawPages) jsonError("a RAM block needs name and pages", `${where}[${b}]`);
  }
}

async function walkAndClose(source: AsyncIterable<Uint8Array>, v: Visitor): Promise<void> {
  const r = new JsonReader(source);
  try {
    await walk(r, v);
  } finally {
    await r.close();
  }
}

/** Sizes of everything definite in a JSON form, by section index. */
export interface JsonSizes {
  /** Content length of `top`. */
  readonly top: number;
  readonly mins: ReadonlyMap<number, SecMinSizes>;
}

/** Ends the one-pass try of `encodeFromJsonFile` at a definite container; never leaves this module. */
class SizesNeeded extends Error {}

const utf8 = new TextEncoder();

/** The first of two passes: measures what definite lengths need. */
export async function measureJson(source: AsyncIterable<Uint8Array>): Promise<JsonSizes> {
  let top = 0;
  const mins = new Map<number, SecMinSizes>();
  let cur: { id: bigint; sizes: SecMinSizes; index: number } | undefined;
  let rawLen = 0;
  const v: Visitor = {
    begin: () => {},
    full: async (bytes) => {
      top += bytes.length;
    },
    beginMin: (id, _lengths, index) => {
      cur = { id, sizes: { pagelists: [], names: [] }, index };
    },
    block: (name) => {
      cur!.sizes.names.push(utf8.encode(name));
      cur!.sizes.pagelists.push(0);
    },
    page: (p) => {
      const pl = cur!.sizes.pagelists;
      pl[pl.length - 1]! += ramPageDerSize(p);
      return undefined;
    },
    endBlock: () => {},
    endMin: () => {
      top += secMinDerSize(cur!.id, cur!.sizes);
      mins.set(cur!.index, cur!.sizes);
      cur = undefined;
    },
    rawMin: () => {
      rawLen = 0;
    },
    rawPiece: async (bytes) => {
      rawLen += bytes.length;
    },
    endRawMin: () => {
      top += rawLen;
    },
    end: async () => {},
  };
  await walkAndClose(source, v);
  return { top, mins };
}

export interface EncodeJsonOptions {
  /** Sizes from `measureJson` over the same JSON (needed for definite lengths). */
  readonly sizes?: JsonSizes;
  /** Refuse device sections that do not decode or break their bounds (default true). */
  readonly validate?: boolean;
  /** Plugins to check device sections with (default: defaultRegistry of @qber/devices). */
  readonly registry?: Registry;
  /** Most problems named in the refusal (default 20). */
  readonly maxProblems?: number;
}

export interface EncodeJsonSummary {
  readonly sections: number;
  readonly framing: Lengths;
}

/**
 * Writes the BER file a JSON form describes, in one pass. Definite lengths
 * (a DER file, a definite SecMin) need `sizes` from `measureJson` over the
 * same JSON; without them it is a QberEncodeError (`encodeFromJsonFile`
 * measures when it must).
 */
export function encodeFromJson(source: AsyncIterable<Uint8Array>, sink: ByteSink, options: EncodeJsonOptions = {}): Promise<EncodeJsonSummary> {
  return encodePass(source, sink, options, () => {
    throw new QberEncodeError("definite lengths need sizes from measureJson over the same JSON (or encodeFromJsonFile, which measures)");
  });
}

/**
 * Encodes a JSON form that can be read again (`open` gives the same text
 * each time): in one pass when it can, else measuring first. A file with
 * definite lengths measures before it writes anything; only a streaming file
 * holding a definite SecMin has written something by then, and then the
 * output must be able to drop it (`output.discards`).
 */
export async function encodeFromJsonFile(
  open: () => AsyncIterable<Uint8Array>,
  output: PassOutput,
  options: Omit<EncodeJsonOptions, "sizes"> = {},
): Promise<EncodeJsonSummary> {
  let written = 0;
  const first = await runPass(output, async (sink) => {
    // Only an output that cannot drop the pass needs to know whether bytes reached it.
    const counted: ByteSink = output.discards
      ? sink
      : async (chunk) => {
          written += chunk.length;
          await writeToSink(sink, chunk);
        };
    try {
      return {
        keep: true,
        value: await encodePass(open(), counted, options, () => {
          throw new SizesNeeded();
        }),
      };
    } catch (e) {
      if (e instanceof SizesNeeded) return { keep: false, value: undefined };
      throw e;
    }
  });
  if (first !== undefined) return first;
  if (written > 0) {
    throw new QberEncodeError(
      "RAM sections with definite lengths inside an indefinite file need two passes, and the first has gone to an output that cannot take it back: write to a file",
    );
  }
  const sizes = await measureJson(open());
  return output.write((sink) => encodeFromJson(open(), sink, { ...options, sizes }));
}

async function encodePass(
  source: AsyncIterable<Uint8Array>,
  sink: ByteSink,
  options: EncodeJsonOptions,
  sizesMissing: () => never,
): Promise<EncodeJsonSummary> {
  const sizes = options.sizes;
  const context = new SnapshotContext(options.registry ?? defaultRegistry);
  const check = options.validate ?? true;
  const maxProblems = options.maxProblems ?? 20;
  const problems: string[] = [];
  let problemCount = 0;
  let out: FramedWriter | undefined;
  let framing: Lengths = "indefinite";
  let count = 0;
  let minSizes: SecMinSizes | undefined;
  let block = 0;
  const w = (): FramedWriter =>
    out ??
    (() => {
      throw new QberEncodeError("sections before the file header");
    })();
  const v: Visitor = {
    begin: (f) => {
      framing = f;
      if (f === "definite" && !sizes) sizesMissing();
      out = new FramedWriter(sink, f);
      out.begin(sizes?.top);
    },
    full: async (bytes, section, index, view) => {
      count = index + 1;
      if (context.see(section) === "device") {
        const d = context.decode(section);
        const stale = staleView(view, d);
        if (stale !== undefined) {
          jsonError(
            `${section.name}: ${stale}; encode writes contents and never reads the view: edit contents, and delete the view (or decode again)`,
            `sections[${index}]`,
          );
        }
        if (check) {
          for (const p of deviceProblems(section, d, context.modelled)) {
            if (problemCount++ < maxProblems) problems.push(`${section.name}${p.field ? ` ${p.field}` : ""}: ${p.reason} (sections[${index}])`);
          }
        }
      }
      await w().raw(bytes);
    },
    beginMin: (id, lengths, index) => {
      count = index + 1;
      block = 0;
      if (lengths === "definite") {
        minSizes = sizes?.mins.get(index);
        if (!minSizes) sizesMissing();
        w().beginMin(id, lengths, secMinLengths(id, minSizes));
      } else {
        minSizes = undefined;
        w().beginMin(id, lengths);
      }
    },
    block: (name) => {
      if (minSizes) {
        const lengths = ramBlockLengths(minSizes, block);
        if (lengths === undefined) throw new QberEncodeError("the JSON changed between the two passes");
        w().beginBlock(name, lengths);
      } else {
        w().beginBlock(name);
      }
      block++;
    },
    page: (p) => w().page(p),
    endBlock: () => w().endBlock(),
    endMin: () => w().endMin(),
    rawMin: (_id, index) => {
      count = index + 1;
    },
    rawPiece: (bytes) => w().raw(bytes),
    endRawMin: () => {},
    end: async () => {
      if (problems.length > 0) {
        const more = problemCount > problems.length ? `; and ${problemCount - problems.length} more` : "";
        throw new QberEncodeError(
          `refusing to write invalid device state: ${problems.join("; ")}${more} (run qber validate on the output of --no-validate for details)`,
        );
      }
      await w().end();
    },
  };
  await walkAndClose(source, v);
  return { sections: count, framing };
}
