/**
 * The three fuzz targets and how their inputs are made. An input is a pure
 * function of (target, seed, index): `makeInput` rebuilds it exactly, so a
 * failure reproduces with `npm run fuzz -- --target T --seed S --index I`.
 */
import { type ByteSource, discardSink, isQberError, readSections } from "@qber/core";
import { importQemuStream } from "@qber/qemu";
import { type PassOutput, encodeFromJsonFile } from "@qber/snapshot/json";
import { devicesRegistry } from "@qber/devices";
import { type Corpus, pickSeed, MAX_PREFIX } from "./corpus.js";
import { mutateBer, mutateGeneric, mutateJsonText, mutateJsonTree, mutateQemu } from "./mutate.js";
import { Rng } from "./rng.js";
import type { Target } from "./names.js";
import { makeContainerBytes, runMappedRam, runQcow2, runStreamContainer } from "./containers.js";

export interface FuzzInput {
  readonly target: Target;
  readonly seed: number;
  readonly index: number;
  /** The seed file it was made from. */
  readonly base: string;
  /** The mutations applied, in order. */
  readonly mutations: readonly string[];
  readonly bytes: Uint8Array;
  /** Sizes of the chunks the input is fed in (empty: one chunk). */
  readonly chunks: readonly number[];
  /** JSON encode only: whether device sections are validated (the CLI's default; --no-validate turns it off). */
  readonly validate: boolean;
}

function chunking(rng: Rng, length: number): number[] {
  if (length === 0 || rng.chance(0.6)) return [];
  // Tiny chunks only for small inputs: the reader copies across chunk edges.
  const min = length <= 4096 ? 1 : 512;
  const max = rng.pick([16, 1024, 4096, 65536]);
  const sizes: number[] = [];
  for (let left = length; left > 0; ) {
    const n = Math.min(left, rng.range(min, Math.max(min, max)));
    sizes.push(n);
    left -= n;
  }
  return sizes;
}

function* chunksOf(bytes: Uint8Array, sizes: readonly number[]): Generator<Uint8Array> {
  if (sizes.length === 0) {
    yield bytes;
    return;
  }
  let at = 0;
  for (const n of sizes) {
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

function source(input: FuzzInput): ByteSource {
  return input.chunks.length === 0 ? input.bytes : [...chunksOf(input.bytes, input.chunks)];
}

async function* asyncSource(input: FuzzInput): AsyncGenerator<Uint8Array> {
  yield* chunksOf(input.bytes, input.chunks);
}

/** Real fixtures are large: now and then a prefix of one, mostly the thinned seeds. */
const FULL_FIXTURE_CHANCE = 0.04;

export function makeInput(corpus: Corpus, target: Target, seed: number, index: number): FuzzInput {
  const rng = new Rng(seed, target, index);
  const log: string[] = [];
  let bytes: Uint8Array;
  let base: string;
  if (target === "ber") {
    const full = rng.chance(FULL_FIXTURE_CHANCE);
    const s = full ? rng.pick(corpus.ber) : pickSeed(corpus.miniBer, rng);
    base = s.name;
    bytes = full ? s.bytes.subarray(0, rng.range(1024, MAX_PREFIX)) : s.bytes;
    if (full) log.push(`prefix:${bytes.length}`);
    if (rng.chance(0.75)) bytes = mutateBer(bytes, s.tlvs, rng, log);
    const others = corpus.miniBer.map((x) => x.bytes);
    bytes = mutateGeneric(bytes, rng, others, log.length === 0 || rng.chance(0.5) ? rng.small(4) : 0, log);
  } else if (target === "qemu") {
    const full = rng.chance(FULL_FIXTURE_CHANCE);
    const s = full ? rng.pick(corpus.mig) : pickSeed(corpus.miniMig, rng);
    base = s.name;
    bytes = full ? s.bytes.subarray(0, rng.range(1024, MAX_PREFIX)) : s.bytes;
    if (full) log.push(`prefix:${bytes.length}`);
    if (rng.chance(0.75)) {
      bytes = mutateQemu(bytes, s.fields, rng, log);
      // Field offsets stay valid after a same-size rewrite: a second one now and then.
      if (rng.chance(0.25)) bytes = mutateQemu(bytes, s.fields, rng, log);
    }
    const others = corpus.miniMig.map((x) => x.bytes);
    bytes = mutateGeneric(bytes, rng, others, log.length === 0 || rng.chance(0.5) ? rng.small(4) : 0, log);
  } else if (target === "libvirt" || target === "qcow2" || target === "compressed" || target === "mapped-ram") {
    const made = makeContainerBytes(corpus.containers![target], rng, log);
    base = made.base;
    bytes = made.bytes;
  } else {
    const s = pickSeed(corpus.json, rng);
    base = s.name;
    const mode = rng.int(10);
    if (mode < 6) {
      const tree = mutateJsonTree(s.tree, rng, rng.small(3), log);
      bytes = new Uint8Array(Buffer.from(expandDeep(JSON.stringify(tree, null, rng.chance(0.5) ? 2 : undefined)), "utf8"));
      if (rng.chance(0.2)) bytes = mutateJsonText(bytes, rng, log);
    } else {
      bytes = new Uint8Array(Buffer.from(s.text, "utf8"));
      for (let i = rng.small(3); i > 0; i--)
        bytes = mode === 9 ? mutateGeneric(bytes, rng, [Buffer.from(rng.pick(corpus.json).text)], 1, log) : mutateJsonText(bytes, rng, log);
    }
  }
  const validate = target === "json" ? rng.chance(0.5) : true;
  return { target, seed, index, base, mutations: log, bytes, chunks: chunking(rng, bytes.length), validate };
}

/** Deeply nested values are made as text (JSON.stringify itself would overflow the stack). */
function expandDeep(text: string): string {
  return text.replace(/"\\u0001deep:(\d+):(\w)"/g, (_m, n: string, kind: string) => {
    const d = Number(n);
    return kind === "a" ? `${"[".repeat(d)}1${"]".repeat(d)}` : `${'{"a":'.repeat(d)}1${"}".repeat(d)}`;
  });
}

/** Runs the target on one input; resolves or throws what the library threw. */
export async function runTarget(input: FuzzInput): Promise<void> {
  switch (input.target) {
    case "ber": {
      for await (const s of readSections(source(input), devicesRegistry)) {
        if (s.kind !== "min") continue;
        for await (const block of s.blocks) {
          for await (const batch of block.pages) {
            for (let i = 0; i < batch.length; i++) {
              const p = batch.page(i);
              if ((p.kind === "fullpage" || p.kind === "xbzrle") && p.data.length < 0) throw new Error("impossible");
            }
          }
        }
      }
      return;
    }
    case "qemu":
      await importQemuStream(source(input), discardSink, { registry: devicesRegistry });
      return;
    case "libvirt":
    case "compressed":
      await runStreamContainer(asyncSource(input));
      return;
    case "qcow2":
      await runQcow2(input.bytes);
      return;
    case "mapped-ram":
      await runMappedRam(input.bytes);
      return;
    case "json": {
      // What the CLI does: one pass, or measure and write again when definite lengths need it.
      const output: PassOutput = { discards: true, write: (pass) => pass(discardSink) };
      await encodeFromJsonFile(() => asyncSource(input), output, { registry: devicesRegistry, validate: input.validate });
      return;
    }
  }
}

/** The errors a target may throw on bad input: the project's typed errors. */
export function isExpectedError(target: Target, e: unknown): boolean {
  if (isQberError(e)) return true;
  // A compressor program that is not installed: the run's setup, reported as such, not a finding.
  if ((e as { name?: unknown } | null)?.name === "MissingProgramError") return false;
  // The JSON form's reader reports malformed text with its own typed error (the CLI catches it).
  return target === "json" && (e as { name?: unknown } | null)?.name === "JsonSyntaxError";
}
