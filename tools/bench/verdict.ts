/**
 * What a bench run concludes: each goal the project holds met or missed
 * (a miss fails the run), and each comparison with another implementation
 * shown beside its anchor, which never fails it.
 */
import type { BenchResult, Check, Comparison } from "./types.js";

export interface JudgedCheck extends Check {
  readonly suite: string;
  readonly ok: boolean;
}

export interface JudgedComparison extends Comparison {
  readonly suite: string;
}

export interface Verdict {
  readonly checks: readonly JudgedCheck[];
  readonly comparisons: readonly JudgedComparison[];
  /** 0 when every goal is met, else 1; comparisons do not count. */
  readonly exitCode: 0 | 1;
}

export function judge(results: Readonly<Record<string, BenchResult>>): Verdict {
  const checks: JudgedCheck[] = [];
  const comparisons: JudgedComparison[] = [];
  for (const [suite, r] of Object.entries(results)) {
    for (const c of r.checks) checks.push({ suite, ...c, ok: (c.min === undefined || c.value >= c.min) && (c.max === undefined || c.value <= c.max) });
    for (const c of r.comparisons ?? []) comparisons.push({ suite, ...c });
  }
  return { checks, comparisons, exitCode: checks.every((c) => c.ok) ? 0 : 1 };
}

/** The table's lines for goals and comparisons. */
export function renderVerdict(v: Verdict): string[] {
  const lines: string[] = [];
  for (const c of v.checks) {
    const goal = c.min !== undefined && c.max !== undefined ? `${c.min} to ${c.max}` : c.min !== undefined ? `>= ${c.min}` : `<= ${c.max}`;
    lines.push(`${c.ok ? "ok  " : "MISS"} ${c.name.padEnd(52)} ${c.value.toFixed(3)} (goal ${goal})`);
  }
  for (const c of v.comparisons) lines.push(`     ${c.name.padEnd(52)} ${c.value.toFixed(3)} (${c.anchorName}: ${c.anchor.toFixed(3)})`);
  return lines;
}
