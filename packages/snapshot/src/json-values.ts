/** Plain JSON for values that hold bigints and bytes. */

/** A value in plain JSON: bigints as decimal strings, bytes as hex. */
export function toJsonForm(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v)) ?? "null",
  );
}

/** A bigint as a JSON number when that is exact, else as a decimal string. */
export function jsonNumber(v: bigint): number | string {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v.toString();
}
