/**
 * Where two things that should be equal first differ, in words: JSON-like
 * values (vmdesc entries) by path, byte strings by offset. A failed check
 * then says which field or byte, not just "not equal".
 */

const show = (v: unknown): string => JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? x.toString() : x)) ?? String(v);

/** The first difference between `mine` and `theirs`, or undefined when they are equal. `undefined` members count as absent. */
export function firstValueDifference(mine: unknown, theirs: unknown, labels: readonly [string, string], path = ""): string | undefined {
  const [a, b] = labels;
  const at = path === "" ? "" : `${path}: `;
  if (Array.isArray(mine) && Array.isArray(theirs)) {
    for (let i = 0; i < Math.min(mine.length, theirs.length); i++) {
      const d = firstValueDifference(mine[i], theirs[i], labels, `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    if (mine.length === theirs.length) return undefined;
    const longer = mine.length > theirs.length ? mine : theirs;
    const extra = longer[Math.min(mine.length, theirs.length)];
    return `${at}${mine.length} entries in ${a}, ${theirs.length} in ${b} (first extra: ${show(extra)})`;
  }
  if (isRecord(mine) && isRecord(theirs)) {
    const keys = [...new Set([...Object.keys(mine), ...Object.keys(theirs)])].filter((k) => mine[k] !== undefined || theirs[k] !== undefined);
    for (const k of keys) {
      const sub = path === "" ? k : `${path}.${k}`;
      if (mine[k] === undefined) return `${sub}: only in ${b} (${show(theirs[k])})`;
      if (theirs[k] === undefined) return `${sub}: only in ${a} (${show(mine[k])})`;
      const d = firstValueDifference(mine[k], theirs[k], labels, sub);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return Object.is(mine, theirs) ? undefined : `${at}${show(mine)} in ${a}, ${show(theirs)} in ${b}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** The first offset where two byte strings differ (the shorter one's length when one is a prefix), or -1. */
export function firstByteDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
