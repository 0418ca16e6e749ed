/**
 * What is wrong with a device section, given how it decoded: a section
 * nothing could read; on a machine type the device models describe, a
 * section its model could not read (the vmdesc read it instead: another
 * layout, or tampered contents); and every bound its state breaks.
 */
import type { SecFull } from "@qber/core";
import type { DeviceDecoding } from "@qber/qemu/classify";
import { validateState } from "@qber/vmstate";

export interface DeviceProblem {
  /** The field inside the device state, as `timer[2].period`; "" for the whole section. */
  readonly field: string;
  readonly reason: string;
}

export function deviceProblems(sec: SecFull, d: DeviceDecoding, modelledMachine: boolean): DeviceProblem[] {
  if (d.by === "blob") {
    return d.error ? [{ field: d.error.field, reason: `cannot decode${d.plugin ? ` with ${d.plugin.id}` : " by its vmdesc"}: ${d.error.reason}` }] : [];
  }
  const problems: DeviceProblem[] = [];
  if (d.by === "vmdesc" && modelledMachine && d.plugin && d.pluginError) {
    problems.push({ field: d.pluginError.field, reason: `cannot decode with ${d.plugin.id}: ${d.pluginError.reason}` });
  }
  if (d.description) {
    for (const e of validateState(d.description, d.state as Record<string, unknown>, sec.name)) problems.push({ field: e.field, reason: e.reason });
  }
  return problems;
}
