/**
 * Differences between two values in JSON form, as leaf paths: `regs[3]`,
 * `segs[1].base`, `env.xmm_regs[0]`. An object key that is not a plain
 * identifier is quoted: `["a b"]`. A field missing on one side is reported
 * once, at the key, with only the side that has it.
 */

export interface FieldDifference {
  /** Where the value sits; "" for the whole value. */
  readonly path: string;
  /** The value in A; absent when the field is only in B. */
  readonly a?: unknown;
  /** The value in B; absent when the field is only in A. */
  readonly b?: unknown;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The path of `key` inside the value at `base`. */
export function keyPath(base: string, key: string): string {
  if (IDENT.test(key)) return base === "" ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Appends to `out` the differences between `a` and `b`; stops adding after `limit` entries. */
export function diffJson(a: unknown, b: unknown, path = "", out: FieldDifference[] = [], limit = Infinity): FieldDifference[] {
  if (out.length >= limit) return out;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n && out.length < limit; i++) {
      const p = `${path}[${i}]`;
      if (i >= a.length) out.push({ path: p, b: b[i] });
      else if (i >= b.length) out.push({ path: p, a: a[i] });
      else diffJson(a[i], b[i], p, out, limit);
    }
    return out;
  }
  if (isObject(a) && isObject(b)) {
    for (const k of Object.keys(a)) {
      if (out.length >= limit) break;
      const p = keyPath(path, k);
      if (!Object.hasOwn(b, k)) out.push({ path: p, a: a[k] });
      else diffJson(a[k], b[k], p, out, limit);
    }
    for (const k of Object.keys(b)) {
      if (out.length >= limit) break;
      if (!Object.hasOwn(a, k)) out.push({ path: keyPath(path, k), b: b[k] });
    }
    return out;
  }
  if (a !== b) out.push({ path, a, b });
  return out;
}
