/** The human form of a SnapshotDiff: what `qber diff` prints without --json. */
import type { SnapshotDiff } from "./diff.js";

export interface DiffTextOptions {
  /** Most address ranges printed per RAM block (default 16); --json has them all. */
  readonly maxRanges?: number;
}

const show = (v: unknown): string => (v === undefined ? "(absent)" : JSON.stringify(v));

function fieldValue(v: unknown): string {
  const s = show(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

export function renderDiffText(d: SnapshotDiff, options: DiffTextOptions = {}): string {
  if (d.identical) return "";
  const maxRanges = options.maxRanges ?? 16;
  const lines: string[] = [`--- ${d.a.name}`, `+++ ${d.b.name}`];
  for (const s of d.sections.onlyInA) lines.push(`only in ${d.a.name}: ${s.kind} ${s.name} (instance ${s.instance}, version ${s.version})`);
  for (const s of d.sections.onlyInB) lines.push(`only in ${d.b.name}: ${s.kind} ${s.name} (instance ${s.instance}, version ${s.version})`);
  for (const c of d.sections.changed) {
    const version = c.versionChanged ? `version ${c.version.a} -> ${c.version.b}` : `version ${c.version.a}`;
    const n = c.fields.length + c.moreFields;
    lines.push(`${c.kind} ${c.name} (instance ${c.instance}, ${version}): ${n === 0 ? "same fields" : n === 1 ? "1 field differs" : `${n} fields differ`}`);
    for (const f of c.fields) lines.push(`  ${f.path || "(contents)"}: ${fieldValue(f.a)} -> ${fieldValue(f.b)}`);
    if (c.moreFields > 0) lines.push(`  ... and ${c.moreFields} more`);
  }
  for (const r of d.ram.onlyInA) lines.push(`only in ${d.a.name}: RAM block ${r.name} (${r.pages} pages)`);
  for (const r of d.ram.onlyInB) lines.push(`only in ${d.b.name}: RAM block ${r.name} (${r.pages} pages)`);
  for (const r of d.ram.blocks) {
    if (r.differentPages === 0) continue;
    const sizes = r.pages.a === r.pages.b ? `${r.pages.a} pages` : `${r.pages.a} -> ${r.pages.b} pages`;
    lines.push(`RAM ${r.name}: ${r.differentPages} of ${Math.max(r.pages.a, r.pages.b)} pages differ (${sizes}, ${r.ranges.length} range${r.ranges.length === 1 ? "" : "s"})`);
    for (const g of r.ranges.slice(0, maxRanges)) lines.push(`  ${g.start}-${g.end} (${g.pages} page${g.pages === 1 ? "" : "s"})`);
    if (r.ranges.length > maxRanges) lines.push(`  ... and ${r.ranges.length - maxRanges} more ranges (see --json)`);
  }
  return lines.join("\n") + "\n";
}
