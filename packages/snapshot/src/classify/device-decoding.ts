/**
 * A device section through its plugin or the file's vmdesc: the typed state,
 * its JSON form (the `fields` view of `qber decode`) and its validation
 * against the description's bounds (`qber validate`, `qber encode`).
 */
import { type Registry, type SecFull, type SectionPlugin, type VmStateEntry, isQberError } from "@qber/core";
import { type Vmdesc, type VmdescDevice, describeFromVmdesc, entriesToState, stateToJson, validateState } from "@qber/vmstate";
import { type deviceDescriptions, pcMachine, q35Machine } from "@qber/devices";
import { toJsonForm } from "../json-values.js";

/** A device description (a TypeBox object schema). */
export type Description = NonNullable<(typeof deviceDescriptions)[string]>;

export interface DeviceLookup {
  readonly registry: Registry;
  /** Descriptions by plugin id (deviceDescriptions of @qber/devices). */
  readonly descriptions: Readonly<Record<string, Description>>;
  /** vmdesc device entries by `name` and instance id, when the file carries a vmdesc. */
  vmdesc?: Map<string, VmdescDevice>;
  /**
   * The machine type is not one the device models describe (an older one, or
   * none named): a model that cannot read a section then defers to the vmdesc.
   * For the modelled machine types its failure stands, so that tampered
   * contents are not waved through by the looser vmdesc description.
   */
  otherMachine?: boolean;
}

const MODELLED_MACHINES: ReadonlySet<string> = new Set([pcMachine.machineType, q35Machine.machineType]);

/** Whether a file's configuration entries (or none) name a machine type the device models do not describe. */
export function isOtherMachine(configuration: readonly VmStateEntry[] | undefined): boolean {
  const name = configuration?.[1];
  return name?.kind !== "oldblob" || !MODELLED_MACHINES.has(Buffer.from(name.value).toString("latin1"));
}

export function vmdescIndex(v: Vmdesc): Map<string, VmdescDevice> {
  const m = new Map<string, VmdescDevice>();
  for (const d of v.devices) m.set(`${d.name}\u0000${d.instance_id}`, d);
  return m;
}

export type DeviceDecoding =
  | { readonly by: "plugin"; readonly plugin: SectionPlugin; readonly description: Description | undefined; readonly state: unknown }
  | { readonly by: "vmdesc"; readonly description: Description; readonly state: unknown }
  | { readonly by: "none"; readonly plugin?: SectionPlugin; readonly error?: { readonly reason: string; readonly field: string } };

/** Splits a value path such as `hpet.timer[2].tn` into the field after the vmsd name. */
export function fieldOfPath(path: string): string {
  const m = /^[^.[]*\.?(.*)$/.exec(path);
  return m?.[1] ?? "";
}

function failure(e: unknown): { reason: string; field: string } {
  if (isQberError(e)) return { reason: e.reason, field: fieldOfPath(e.path) };
  return { reason: (e as Error).message ?? String(e), field: "" };
}

/**
 * Decodes a device section's contents by plugin, else by the vmdesc entry:
 * when there is no plugin, or (for machine types the models do not describe)
 * when the plugin cannot read the layout.
 */
export function decodeDevice(sec: SecFull, lookup: DeviceLookup): DeviceDecoding {
  const plugin = lookup.registry.find(sec.name, sec.versionId);
  let pluginError: { reason: string; field: string } | undefined;
  if (plugin) {
    try {
      return { by: "plugin", plugin, description: lookup.descriptions[plugin.id], state: plugin.ber.decode(sec.contents, sec) };
    } catch (e) {
      if (!lookup.otherMachine) return { by: "none", plugin, error: failure(e) };
      pluginError = failure(e);
    }
  }
  const entry = lookup.vmdesc?.get(`${sec.name}\u0000${sec.instanceId}`);
  if (entry && sec.contents.kind === "vmstate") {
    try {
      const description = describeFromVmdesc(entry);
      return { by: "vmdesc", description, state: entriesToState(description, sec.contents.value, { version: Number(sec.versionId) }) };
    } catch (e) {
      return { by: "none", error: failure(e) };
    }
  }
  return { by: "none", ...(plugin ? { plugin } : {}), ...(pluginError ? { error: pluginError } : {}) };
}

export function deviceFields(d: DeviceDecoding): unknown {
  if (d.by === "none") return undefined;
  return d.description ? stateToJson(d.description, d.state as never) : toJsonForm(d.state);
}

export interface DeviceProblem {
  readonly field: string;
  readonly reason: string;
}

/** What is wrong with a device section: a decoding failure, or every bound its state breaks. */
export function deviceProblems(sec: SecFull, d: DeviceDecoding): DeviceProblem[] {
  if (d.by === "none") return d.error ? [{ field: d.error.field, reason: `cannot decode${d.plugin ? ` with ${d.plugin.id}` : " by its vmdesc"}: ${d.error.reason}` }] : [];
  if (!d.description) return [];
  return validateState(d.description, d.state as never, sec.name).map((e) => ({ field: e.field, reason: e.reason }));
}
