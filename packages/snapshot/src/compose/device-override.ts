/**
 * Typed overrides of a device's state: `deviceOverride(hpetPlugin, {...})`
 * checks the values against the plugin's description at compile time
 * (bigints for 64-bit fields, Uint8Array for byte buffers, any part of the
 * state at any depth), and at compose time the addressed section must be
 * modelled by the same plugin. The values go through the same merge as the
 * JSON form's overrides (overrides.ts), so both mean the same thing.
 */
import { type DevicePlugin, toHex } from "@qber/vmstate";
import type { Static, TObject } from "typebox";
import type { Json } from "./overrides.js";

/**
 * Any part of a state: object fields may be left out, array elements are
 * given by index (an array whose `undefined` elements keep theirs, or an
 * object with index keys); scalars and byte buffers are replaced whole.
 */
export type StatePatch<T> = T extends bigint | number | boolean | string | Uint8Array
  ? T
  : T extends readonly (infer E)[]
    ? readonly (StatePatch<E> | undefined)[] | { readonly [index: number]: StatePatch<E> }
    : T extends object
      ? { readonly [K in keyof T]?: StatePatch<T[K]> }
      : T;

/** An override made by `deviceOverride`: a plugin and values typed by its description. */
export interface DeviceOverride {
  readonly kind: "device-override";
  readonly plugin: DevicePlugin;
  readonly values: unknown;
}

/** Values for a device modelled by `plugin`, typed by its description (`Static<S>`). */
export function deviceOverride<S extends TObject>(plugin: DevicePlugin<S>, values: StatePatch<Static<S>>): DeviceOverride {
  return Object.freeze({ kind: "device-override" as const, plugin: plugin as DevicePlugin, values });
}

export function isDeviceOverride(v: unknown): v is DeviceOverride {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "device-override" && "plugin" in v && "values" in v;
}

/** The values in the JSON form (64-bit integers as decimal strings, bytes as hex; `undefined` elements as null, which keeps them). */
export function patchToJson(v: unknown): Json {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return toHex(v);
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(patchToJson);
  if (typeof v === "object") {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = patchToJson(x);
    return out;
  }
  return v as Json;
}
