/**
 * The human form of a SnapshotDiff: what `qber diff` prints without --json.
 * Where the descriptions the sections were decoded with are at hand, values
 * print by their field's type: unsigned integers (registers, addresses,
 * flags) in hex and decimal, `0x1f (31)`; byte strings as hex when short,
 * and as how many bytes differ when long. Elsewhere values print as in the
 * JSON form. `--json` is the lossless form.
 */
import type { TObject } from "typebox";
import type { ChangedSection, SnapshotDiff } from "./diff.js";
import { type FieldType, fieldTypeAt } from "./field-types.js";
import type { FieldDifference } from "./fields.js";
import type { SnapshotSummary } from "./summary.js";

export interface DiffTextOptions {
  /** Most address ranges printed per RAM block (default 16); --json has them all. */
  readonly maxRanges?: number;
  /** The summaries A and B the diff was made from: their descriptions give the fields' types. */
  readonly summaries?: readonly [SnapshotSummary, SnapshotSummary];
}

/** Byte strings up to this long print whole, in hex; longer ones as a count of the bytes that differ. */
export const SHORT_BYTES = 16;

const show = (v: unknown): string => (v === undefined ? "(absent)" : JSON.stringify(v));

function fieldValue(v: unknown): string {
  const s = show(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

const INTEGER = /^-?\d+$/;
const HEX = /^(?:[0-9a-f]{2})*$/;

/** One side's value by its type: unsigned integers in hex and decimal, 64-bit integers (JSON strings) without quotes. */
function typedValue(v: unknown, t: FieldType | undefined): string {
  if (t?.kind === "int" && (typeof v === "number" || (typeof v === "string" && INTEGER.test(v)))) {
    const n = BigInt(v);
    return t.signed || n < 10n ? n.toString() : `0x${n.toString(16)} (${n})`;
  }
  if (t?.kind === "bytes" && typeof v === "string" && HEX.test(v)) return v.length === 0 ? "(no bytes)" : v;
  return fieldValue(v);
}

/** A long byte string on either side: its length(s) and how many bytes differ, first where. */
function byteChange(a: string, b: string): string {
  const la = a.length / 2;
  const lb = b.length / 2;
  const common = Math.min(la, lb);
  let differ = 0;
  let first = -1;
  for (let i = 0; i < common; i++) {
    if (a.charCodeAt(2 * i) !== b.charCodeAt(2 * i) || a.charCodeAt(2 * i + 1) !== b.charCodeAt(2 * i + 1)) {
      differ++;
      if (first < 0) first = i;
    }
  }
  const where = first < 0 ? "" : `, first at byte 0x${first.toString(16)}`;
  if (la === lb) return `${differ} of ${la} bytes differ${where}`;
  return `${la} -> ${lb} bytes, ${differ} of the first ${common} differ${where}`;
}

function fieldLine(f: FieldDifference, types: readonly [FieldType | undefined, FieldType | undefined]): string {
  const [ta, tb] = types;
  const { a, b } = f;
  const long = (v: unknown) => typeof v === "string" && v.length > 2 * SHORT_BYTES;
  if (ta?.kind === "bytes" && tb?.kind === "bytes" && typeof a === "string" && typeof b === "string" && HEX.test(a) && HEX.test(b) && (long(a) || long(b))) {
    return `  ${f.path || "(contents)"}: ${byteChange(a, b)}`;
  }
  const side = (v: unknown, t: FieldType | undefined) => (t?.kind === "bytes" && long(v) ? `${(v as string).length / 2} bytes` : typedValue(v, t));
  return `  ${f.path || "(contents)"}: ${side(a, ta)} -> ${side(b, tb)}`;
}

/** The descriptions of each file's sections, by name and instance. */
function descriptions(summary: SnapshotSummary | undefined): Map<string, TObject> {
  const out = new Map<string, TObject>();
  for (const s of summary?.states ?? []) if (s.description) out.set(`${s.name}\u0000${s.instance}`, s.description);
  return out;
}

export function renderDiffText(d: SnapshotDiff, options: DiffTextOptions = {}): string {
  if (d.identical) return "";
  const maxRanges = options.maxRanges ?? 16;
  const lines: string[] = [`--- ${d.a.name}`, `+++ ${d.b.name}`];
  const [descA, descB] = [descriptions(options.summaries?.[0]), descriptions(options.summaries?.[1])];
  const typeIn = (m: Map<string, TObject>, c: ChangedSection, path: string) => {
    const desc = m.get(`${c.name}\u0000${c.instance}`);
    return desc === undefined ? undefined : fieldTypeAt(desc, path);
  };
  for (const s of d.sections.onlyInA) lines.push(`only in ${d.a.name}: ${s.kind} ${s.name} (instance ${s.instance}, version ${s.version})`);
  for (const s of d.sections.onlyInB) lines.push(`only in ${d.b.name}: ${s.kind} ${s.name} (instance ${s.instance}, version ${s.version})`);
  for (const c of d.sections.changed) {
    const version = c.versionChanged ? `version ${c.version.a} -> ${c.version.b}` : `version ${c.version.a}`;
    const n = c.fields.length + c.moreFields;
    lines.push(`${c.kind} ${c.name} (instance ${c.instance}, ${version}): ${n === 0 ? "same fields" : n === 1 ? "1 field differs" : `${n} fields differ`}`);
    for (const f of c.fields) lines.push(fieldLine(f, [typeIn(descA, c, f.path), typeIn(descB, c, f.path)]));
    if (c.moreFields > 0) lines.push(`  ... and ${c.moreFields} more`);
  }
  for (const r of d.ram.onlyInA) lines.push(`only in ${d.a.name}: RAM block ${r.name} (${r.pages} pages)`);
  for (const r of d.ram.onlyInB) lines.push(`only in ${d.b.name}: RAM block ${r.name} (${r.pages} pages)`);
  for (const r of d.ram.blocks) {
    if (r.differentPages === 0) continue;
    const sizes = r.pages.a === r.pages.b ? `${r.pages.a} pages` : `${r.pages.a} -> ${r.pages.b} pages`;
    lines.push(
      `RAM ${r.name}: ${r.differentPages} of ${Math.max(r.pages.a, r.pages.b)} pages differ (${sizes}, ${r.ranges.length} range${r.ranges.length === 1 ? "" : "s"})`,
    );
    for (const g of r.ranges.slice(0, maxRanges)) lines.push(`  ${g.start}-${g.end} (${g.pages} page${g.pages === 1 ? "" : "s"})`);
    if (r.ranges.length > maxRanges) lines.push(`  ... and ${r.ranges.length - maxRanges} more ranges (see --json)`);
  }
  return `${lines.join("\n")}\n`;
}
