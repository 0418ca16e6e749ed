/**
 * Overrides of a device's state in its JSON form: objects merge key by key,
 * an array takes the override's elements where they are given, and an
 * object with index keys (`{"3": ...}`) changes single array elements.
 * Numbers may be written as 0x-hex strings; each is converted to the type
 * of the value it replaces (a number, or a decimal string for 64-bit fields).
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function scalar(base: Json | undefined, v: Json, path: string): Json {
  if (typeof v === "string" && /^0x[0-9a-f]+$/i.test(v)) {
    const n = BigInt(v);
    if (typeof base === "number") {
      if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${path}: ${v} is too large`);
      return Number(n);
    }
    return n.toString();
  }
  if (typeof v === "number" && typeof base === "string" && /^-?[0-9]+$/.test(base)) return String(v);
  return v;
}

export function applyOverrides(base: Json, override: Json, path = ""): Json {
  if (Array.isArray(base) && (Array.isArray(override) || isObject(override))) {
    const out = [...base];
    for (const [k, v] of Object.entries(override)) {
      const i = Number(k);
      if (!Number.isInteger(i) || i < 0 || i >= out.length) throw new RangeError(`${path}[${k}]: no such element (the array has ${out.length})`);
      if (v !== null && v !== undefined) out[i] = applyOverrides(out[i]!, v, `${path}[${k}]`);
    }
    return out;
  }
  if (isObject(base) && isObject(override)) {
    const out: Record<string, Json> = { ...base };
    for (const [k, v] of Object.entries(override)) {
      const p = path === "" ? k : `${path}.${k}`;
      if (!(k in base)) throw new RangeError(`${p}: no such field`);
      out[k] = applyOverrides(base[k]!, v, p);
    }
    return out;
  }
  return scalar(base, override, path);
}
