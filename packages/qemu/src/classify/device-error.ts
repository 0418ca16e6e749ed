/** Why a device section could not be decoded, and in which field. */
import { isQberError } from "@qber/core";

export interface DeviceError {
  readonly reason: string;
  /** The field inside the device state, as `timer[2].period`; "" when not known. */
  readonly field: string;
}

/** Splits a value path such as `hpet.timer[2].tn` into the field after the vmsd name. */
export function fieldOfPath(path: string): string {
  const m = /^[^.[]*\.?(.*)$/.exec(path);
  return m?.[1] ?? "";
}

/** A decoding failure (a plugin's, which may be any error) as a DeviceError. */
export function deviceError(e: unknown): DeviceError {
  if (!isQberError(e)) return { reason: e instanceof Error ? e.message : String(e), field: "" };
  return { reason: e.reason, field: fieldOfPath(e.path) };
}
