/**
 * `qber diff`: what differs between two snapshots. Sections are matched by
 * name and instance and compared field by field in their JSON form; RAM is
 * compared per block on the final contents each file describes, page by
 * page, through the page digests of `summarizeSnapshot` (no RAM is held).
 * The `qber diff --json` document is `SnapshotDiff` (docs/cli.md).
 */
import type { ByteSource, Registry } from "@qber/core";
import { type FieldDifference, diffJson } from "./fields.js";
import {
  PAGE_SIZE,
  type RamBlockSummary,
  type SectionState,
  type SnapshotSummary,
  type SummarizeOptions,
  ZERO_PAGE_DIGEST,
  pageDigest,
  summarizeSnapshot,
} from "./summary.js";

export interface SectionRef {
  readonly name: string;
  readonly instance: number | string;
  readonly version: number | string;
  readonly kind: SectionState["kind"];
}

export interface ChangedSection {
  readonly name: string;
  readonly instance: number | string;
  readonly kind: SectionState["kind"];
  /** Section versions; they differ when `versionChanged`. */
  readonly version: { readonly a: number | string; readonly b: number | string };
  readonly versionChanged: boolean;
  /** How each side was decoded: a plugin, the file's vmdesc, or raw entries ("blob"); null for reserved sections. */
  readonly decodedBy: { readonly a: SectionState["decodedBy"]; readonly b: SectionState["decodedBy"] };
  /** Leaf differences in file A's field order; empty when only the version differs. */
  readonly fields: readonly FieldDifference[];
  /** Fields left out past `maxFieldsPerSection`. */
  readonly moreFields: number;
}

export interface PageRange {
  /** First differing byte offset in the block, hex ("0x1000"). */
  readonly start: string;
  /** One past the last differing byte, hex. */
  readonly end: string;
  readonly pages: number;
}

export interface RamBlockDiff {
  readonly name: string;
  /** Block length in bytes per file (null when the file has no RAM setup entry for it). */
  readonly length: { readonly a: number | null; readonly b: number | null };
  /** Pages (4 KiB) in the block per file. */
  readonly pages: { readonly a: number; readonly b: number };
  /** Pages whose final contents differ (a page beyond the end of the shorter block counts). */
  readonly differentPages: number;
  /** The differing pages coalesced into ranges, in address order. */
  readonly ranges: readonly PageRange[];
}

export interface RamBlockRef {
  readonly name: string;
  readonly pages: number;
  readonly length: number | null;
}

/** The `qber diff --json` document (schemaVersion 1). */
export interface SnapshotDiff {
  readonly schemaVersion: 1;
  readonly identical: boolean;
  readonly a: { readonly name: string };
  readonly b: { readonly name: string };
  readonly summary: {
    readonly sectionsChanged: number;
    readonly sectionsOnlyInA: number;
    readonly sectionsOnlyInB: number;
    readonly ramBlocksChanged: number;
    readonly ramBlocksOnlyInA: number;
    readonly ramBlocksOnlyInB: number;
    readonly pagesChanged: number;
  };
  readonly sections: {
    readonly changed: readonly ChangedSection[];
    readonly onlyInA: readonly SectionRef[];
    readonly onlyInB: readonly SectionRef[];
  };
  readonly ram: {
    /** Every block present in both files, in A's order, differing or not. */
    readonly blocks: readonly RamBlockDiff[];
    readonly onlyInA: readonly RamBlockRef[];
    readonly onlyInB: readonly RamBlockRef[];
  };
}

export interface DiffOptions extends SummarizeOptions {
  readonly registry?: Registry;
  /** Display names of the two inputs (default "a" and "b"). */
  readonly names?: readonly [string, string];
  /** Most field differences listed per section (default: all). */
  readonly maxFieldsPerSection?: number;
}

/** A snapshot to compare: a BER byte source (read once), a summary, or a function opening the source when its turn comes. */
export type DiffInput = ByteSource | SnapshotSummary | (() => ByteSource | Promise<ByteSource>);

function isSummary(v: DiffInput): v is SnapshotSummary {
  return typeof v === "object" && v !== null && "states" in v && "ram" in v && "sections" in v;
}

async function summaryOf(input: DiffInput, options: DiffOptions): Promise<SnapshotSummary> {
  if (isSummary(input)) return input;
  const source = typeof input === "function" ? await input() : input;
  return summarizeSnapshot(source, options);
}

/**
 * Compares two snapshots. The inputs are read one after the other, so at
 * most one is being read at a time; each costs 17 bytes per RAM page.
 */
export async function diffSnapshots(a: DiffInput, b: DiffInput, options: DiffOptions = {}): Promise<SnapshotDiff> {
  const sa = await summaryOf(a, options);
  const sb = await summaryOf(b, options);
  return diffSummaries(sa, sb, options);
}

const keyOf = (s: { name: string; instance: number | string }): string => `${s.name}\u0000${s.instance}`;

/** Groups by name + instance; a key seen twice (not expected) pairs its occurrences in order. */
function byKey<T extends { name: string; instance: number | string }>(items: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = keyOf(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

const ref = (s: SectionState): SectionRef => ({ name: s.name, instance: s.instance, version: s.version, kind: s.kind });

/** Compares two summaries (synchronous; no input is read). */
export function diffSummaries(a: SnapshotSummary, b: SnapshotSummary, options: Pick<DiffOptions, "names" | "maxFieldsPerSection"> = {}): SnapshotDiff {
  const [nameA, nameB] = options.names ?? ["a", "b"];
  const limit = options.maxFieldsPerSection ?? Infinity;
  const changed: ChangedSection[] = [];
  const onlyInA: SectionRef[] = [];
  const onlyInB: SectionRef[] = [];
  const inB = byKey(b.states);
  const used = new Map<string, number>();
  for (const sa of a.states) {
    const k = keyOf(sa);
    const n = used.get(k) ?? 0;
    used.set(k, n + 1);
    const sb = inB.get(k)?.[n];
    if (sb === undefined) {
      onlyInA.push(ref(sa));
      continue;
    }
    const all = diffJson(sa.fields, sb.fields);
    const fields = all.length > limit ? all.slice(0, limit) : all;
    const versionChanged = String(sa.version) !== String(sb.version);
    if (all.length > 0 || versionChanged) {
      changed.push({
        name: sa.name,
        instance: sa.instance,
        kind: sa.kind,
        version: { a: sa.version, b: sb.version },
        versionChanged,
        decodedBy: { a: sa.decodedBy, b: sb.decodedBy },
        fields,
        moreFields: all.length - fields.length,
      });
    }
  }
  // B's sections past the count of A's with the same key, in B's file order.
  const seenB = new Map<string, number>();
  for (const sb of b.states) {
    const k = keyOf(sb);
    const n = seenB.get(k) ?? 0;
    seenB.set(k, n + 1);
    if (n >= (used.get(k) ?? 0)) onlyInB.push(ref(sb));
  }

  const blocksB = new Map(b.ram.map((r) => [r.name, r]));
  const blocksA = new Set(a.ram.map((r) => r.name));
  const blocks: RamBlockDiff[] = [];
  const ramOnlyInA: RamBlockRef[] = [];
  for (const ra of a.ram) {
    const rb = blocksB.get(ra.name);
    if (rb === undefined) ramOnlyInA.push({ name: ra.name, pages: ra.pages, length: ra.length ?? null });
    else blocks.push(diffBlock(ra, rb));
  }
  const ramOnlyInB = b.ram.filter((r) => !blocksA.has(r.name)).map((r) => ({ name: r.name, pages: r.pages, length: r.length ?? null }));
  const pagesChanged = blocks.reduce((n, d) => n + d.differentPages, 0);
  const ramBlocksChanged = blocks.filter((d) => d.differentPages > 0).length;
  const identical =
    changed.length === 0 && onlyInA.length === 0 && onlyInB.length === 0 && ramBlocksChanged === 0 && ramOnlyInA.length === 0 && ramOnlyInB.length === 0;
  return {
    schemaVersion: 1,
    identical,
    a: { name: nameA },
    b: { name: nameB },
    summary: {
      sectionsChanged: changed.length,
      sectionsOnlyInA: onlyInA.length,
      sectionsOnlyInB: onlyInB.length,
      ramBlocksChanged,
      ramBlocksOnlyInA: ramOnlyInA.length,
      ramBlocksOnlyInB: ramOnlyInB.length,
      pagesChanged,
    },
    sections: { changed, onlyInA, onlyInB },
    ram: { blocks, onlyInA: ramOnlyInA, onlyInB: ramOnlyInB },
  };
}

function sameDigest(x: Uint8Array, y: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Whether page `i` differs between the blocks: by final contents; a page
 * beyond one block's known length differs, while a page beyond the pages
 * seen of a block whose length is unknown counts as zeros.
 */
export function pageDiffers(a: RamBlockSummary, b: RamBlockSummary, i: number): boolean {
  const inA = i < a.pages;
  const inB = i < b.pages;
  if (!inA && a.length !== undefined) return true;
  if (!inB && b.length !== undefined) return true;
  const da = inA ? pageDigest(a, i) : ZERO_PAGE_DIGEST;
  const db = inB ? pageDigest(b, i) : ZERO_PAGE_DIGEST;
  return !sameDigest(da, db);
}

function diffBlock(a: RamBlockSummary, b: RamBlockSummary): RamBlockDiff {
  const n = Math.max(a.pages, b.pages);
  const ranges: PageRange[] = [];
  let differentPages = 0;
  let start = -1;
  const close = (endPage: number) => {
    ranges.push({ start: hex(start * PAGE_SIZE), end: hex(endPage * PAGE_SIZE), pages: endPage - start });
    start = -1;
  };
  for (let i = 0; i < n; i++) {
    if (pageDiffers(a, b, i)) {
      differentPages++;
      if (start < 0) start = i;
    } else if (start >= 0) close(i);
  }
  if (start >= 0) close(n);
  return {
    name: a.name,
    length: { a: a.length ?? null, b: b.length ?? null },
    pages: { a: a.pages, b: b.pages },
    differentPages,
    ranges,
  };
}

const hex = (n: number): string => `0x${n.toString(16)}`;
