/**
 * The seeds the fuzzers mutate, all derived from the real QEMU 7.2 fixtures
 * (fixtures/qemu-7.2/*.mig):
 *
 * - `mig`/`ber`: each fixture whole, and imported to BER (used as prefixes:
 *   mutating a 1 MB file per input would make CI runs slow);
 * - `miniBer`: each BER with its RAM thinned (a few pages of each kind per
 *   block and section) and a quarter of its device sections (every section
 *   in a rare variant), in the streaming form and rewritten in DER;
 * - `miniMig`: the thinned files exported back to QEMU streams;
 * - `json`: the thinned files in the JSON form (with and without field views).
 *
 * Structural maps (TLV headers of BER seeds, header fields of QEMU seeds) are
 * computed once per seed for the structure-aware mutations.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KIND_COMPR, KIND_FULL, KIND_HOOK, KIND_XBZRLE, type RamPage, SectionWriter, readSections, rewriteDer } from "@qber/core";
import { exportQemuStream, importQemuStream } from "@qber/qemu";
import { decodeToJson } from "@qber/snapshot";
import { devicesRegistry } from "@qber/devices";
import { type TlvHeader, scanTlvs } from "./ber-map.js";
import { type QemuField, scanQemuFields } from "./qemu-map.js";
import { CONTAINER_TARGETS, TARGETS, type Target } from "./names.js";
import { type ContainerCorpus, buildContainerCorpus } from "./containers.js";

/** Longest prefix of a whole fixture that an input uses. */
export const MAX_PREFIX = 192 * 1024;

export interface BerSeed {
  readonly name: string;
  /** Picked 20 times less often (large, slow seeds). */
  readonly rare?: boolean;
  readonly bytes: Uint8Array;
  readonly tlvs: readonly TlvHeader[];
}

export interface QemuSeed {
  readonly name: string;
  readonly rare?: boolean;
  readonly bytes: Uint8Array;
  readonly fields: readonly QemuField[];
}

export interface JsonSeed {
  readonly name: string;
  readonly rare?: boolean;
  readonly text: string;
  readonly tree: unknown;
}

export interface Corpus {
  /** Whole fixtures, for prefixes. */
  readonly mig: readonly QemuSeed[];
  readonly ber: readonly BerSeed[];
  readonly miniBer: readonly BerSeed[];
  readonly miniMig: readonly QemuSeed[];
  readonly json: readonly JsonSeed[];
  /** Container seeds, around a thinned fixture exported to a QEMU stream (when a container target runs). */
  readonly containers: ContainerCorpus | undefined;
}

/** The fixtures folder, found from this file upwards (works from src and from dist). */
export function fixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "fixtures", "qemu-7.2");
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error("fixtures/qemu-7.2 not found above tools/fuzz");
    dir = up;
  }
}

async function collect(run: (sink: (c: Uint8Array) => void) => Promise<unknown>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await run((c) => {
    parts.push(c.slice());
  });
  return new Uint8Array(Buffer.concat(parts));
}

/** Pages kept per block per section, by kind (compr, full, xbzrle, hook)... */
const KEEP = [6, 2, 2, 4];
/** ...and in the whole file: data pages are what makes a seed large. */
const KEEP_TOTAL = [Infinity, 6, 6, Infinity];
const KIND_OF: Record<RamPage["kind"], number> = { compr: KIND_COMPR, fullpage: KIND_FULL, xbzrle: KIND_XBZRLE, hook: KIND_HOOK };

/** Device sections larger than this are left out of most seeds (pc-addons' e1000 and virtio-net). */
const BIG_SECTION = 16 * 1024;
/** Most seeds keep every DEVICE_PARTS-th device section (device decoding is most of the time per input). */
const DEVICE_PARTS = 4;

interface ThinOptions {
  /** Keep device sections larger than BIG_SECTION. */
  readonly big: boolean;
  readonly vmdesc: boolean;
  /** Keep only the device sections whose index modulo DEVICE_PARTS is this. */
  readonly part?: number;
}

/** A copy of `ber` with its RAM thinned (a few pages of each kind) and some of its sections. */
async function thin(ber: Uint8Array, o: ThinOptions): Promise<Uint8Array> {
  const total = [0, 0, 0, 0];
  let device = 0;
  return collect(async (sink) => {
    const w = new SectionWriter(sink);
    for await (const s of readSections(ber)) {
      if (s.kind === "full") {
        const sec = s.section;
        if (sec.name === "qemu:vmdesc" && !o.vmdesc) continue;
        if (sec.sectionId >= 0n && sec.contents.kind !== "ramblid") {
          if (!o.big && s.length > BIG_SECTION) continue;
          // Without the whole vmdesc, only sections a plugin knows can be exported to a QEMU stream.
          if ((o.part !== undefined || !o.vmdesc) && devicesRegistry.find(sec.name, sec.versionId) === undefined) continue;
          if (o.part !== undefined && device++ % DEVICE_PARTS !== o.part) continue;
        }
        await w.writeSection(s.section);
        continue;
      }
      w.beginMin(s.sectionId);
      for await (const b of s.blocks) {
        const kept: RamPage[] = [];
        const count = [0, 0, 0, 0];
        for await (const batch of b.pages) {
          for (let i = 0; i < batch.length; i++) {
            const p = batch.page(i);
            const k = KIND_OF[p.kind];
            if (count[k]! >= KEEP[k]! || total[k]! >= KEEP_TOTAL[k]!) continue;
            count[k]!++;
            total[k]!++;
            kept.push(p.kind === "fullpage" || p.kind === "xbzrle" ? { ...p, data: p.data.slice() } : p);
          }
        }
        if (kept.length === 0) continue;
        w.beginBlock(b.name);
        for (const p of kept) {
          const wait = w.writePage(p);
          if (wait) await wait;
        }
        w.endBlock();
      }
      await w.endMin();
    }
    await w.close();
  });
}

/** Picks a seed: a rare one 20 times less often than a common one. */
export function pickSeed<T extends { readonly rare?: boolean }>(seeds: readonly T[], r: { int(n: number): number }): T {
  let total = 0;
  for (const s of seeds) total += s.rare ? 1 : 20;
  let x = r.int(total);
  for (const s of seeds) {
    x -= s.rare ? 1 : 20;
    if (x < 0) return s;
  }
  return seeds[seeds.length - 1]!;
}

const cached = new Map<string, Promise<Corpus>>();

/** Builds the corpus once per process (about a second). */
export function loadCorpus(targets: readonly Target[] = TARGETS): Promise<Corpus> {
  const key = [...targets].sort().join(",");
  let corpus = cached.get(key);
  if (!corpus) cached.set(key, (corpus = buildCorpus(new Set(targets))));
  return corpus;
}

/** Builds the seeds of the given targets only: each takes memory. */
async function buildCorpus(targets: ReadonlySet<Target>): Promise<Corpus> {
  const dir = fixturesDir();
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".mig"))
    .sort();
  const mig: QemuSeed[] = [];
  const ber: BerSeed[] = [];
  const miniBer: BerSeed[] = [];
  const miniMig: QemuSeed[] = [];
  const json: JsonSeed[] = [];
  const wantContainers = CONTAINER_TARGETS.some((t) => targets.has(t));
  let inner: Uint8Array | undefined;
  for (const file of names) {
    const name = file.replace(/\.mig$/, "");
    const bytes = new Uint8Array(readFileSync(join(dir, file)));
    const full = await collect((sink) => importQemuStream(bytes, sink, { registry: devicesRegistry }));
    // Whole fixtures are only used as prefixes: keep (and map) no more than the longest prefix.
    const migHead = bytes.slice(0, MAX_PREFIX);
    const berHead = full.slice(0, MAX_PREFIX);
    if (targets.has("qemu")) mig.push({ name, bytes: migHead, fields: scanQemuFields(migHead) });
    if (targets.has("ber")) ber.push({ name, bytes: berHead, tlvs: scanTlvs(berHead) });
    const variants: { label: string; bytes: Uint8Array; rare: boolean }[] = [];
    for (let part = 0; part < DEVICE_PARTS; part++) {
      variants.push({ label: `devices${part}`, bytes: await thin(full, { big: false, vmdesc: part === 0, part }), rare: false });
    }
    variants.push({ label: "all", bytes: await thin(full, { big: false, vmdesc: true }), rare: true });
    const big = await thin(full, { big: true, vmdesc: true });
    if (big.length > variants[variants.length - 1]!.bytes.length + BIG_SECTION) variants.push({ label: "big", bytes: big, rare: true });
    for (const v of variants) {
      // A fixture whose thinned form cannot be written back is left out rather than failing the run.
      try {
        await addVariant(name, v);
      } catch (e) {
        if (process.env["QBER_FUZZ_DEBUG"]) console.error(`fuzz corpus: ${name}~${v.label} left out:`, e);
      }
    }
  }
  return { mig, ber, miniBer, miniMig, json, containers: inner ? buildContainerCorpus(inner) : undefined };

  async function addVariant(name: string, v: { label: string; bytes: Uint8Array; rare: boolean }): Promise<void> {
    const der = await collect((sink) => rewriteDer(() => v.bytes, sink));
    const rare = v.rare ? { rare: true } : {};
    // Every target mixes in the thinned BER files (splices), so those are always there.
    miniBer.push({ name: `${name}~${v.label}`, bytes: v.bytes, tlvs: targets.has("ber") ? scanTlvs(v.bytes) : [], ...rare });
    miniBer.push({ name: `${name}~${v.label}-der`, bytes: der, tlvs: targets.has("ber") ? scanTlvs(der) : [], ...rare });
    if (wantContainers && inner === undefined) inner = await collect((sink) => exportQemuStream(v.bytes, sink, { registry: devicesRegistry }));
    if (targets.has("qemu")) {
      const mini = await collect((sink) => exportQemuStream(v.bytes, sink, { registry: devicesRegistry }));
      miniMig.push({ name: `${name}~${v.label}`, bytes: mini, fields: scanQemuFields(mini), ...rare });
    }
    if (v.label === "big" || !targets.has("json")) return;
    // The DER file's JSON differs only in its framing flag: the streaming one's seeds JSON for both (memory).
    const text = Buffer.from(await collect((sink) => decodeToJson(v.bytes, sink, { registry: devicesRegistry, fields: false }))).toString("utf8");
    json.push({ name: `${name}~${v.label}.json`, text, tree: JSON.parse(text) as unknown, ...rare });
  }
}
