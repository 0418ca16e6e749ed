/** Plain JSON for values that hold bigints and bytes. */
import type { DeviceDecoding } from "@qber/qemu/classify";
import { stateToJson } from "@qber/vmstate";

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

/** A decoded device's fields by name in JSON form (undefined for a blob). */
export function deviceFields(d: DeviceDecoding): unknown {
  if (d.by === "blob") return undefined;
  return d.description ? stateToJson(d.description, d.state as Record<string, unknown>) : toJsonForm(d.state);
}
