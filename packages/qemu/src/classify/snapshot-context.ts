/**
 * The one answer to "what is this section, and how are its contents read",
 * for every reader and writer of snapshots (import, export, inspect,
 * validate, the JSON form, diff, report, compose):
 *
 * - a section with id -1 is reserved (configuration, qemu:stream, qemu:end,
 *   qemu:vmdesc); a SecFull holding the RAM block list is the RAM setup; a
 *   SecMin is a RAM iteration; every other SecFull is a device;
 * - a device is decoded by its plugin; when there is none, or the plugin
 *   cannot read the section (another layout of the device, from another
 *   machine type or release), by the snapshot's own vmdesc; else it stays a
 *   blob of its bytes.
 *
 * Reserved sections say things that later ones are read by: the machine
 * type (configuration) and the vmdesc. A context takes them in, in file
 * order, through `see`.
 */
import {
  QberEncodeError,
  type Registry,
  type ReservedKind,
  type SecFull,
  type SecFullContents,
  type SectionInfo,
  type SectionPlugin,
  type VmStateEntry,
  isReservedSection,
  reservedKind,
} from "@qber/core";
import { defaultRegistry } from "@qber/devices";
import {
  type Vmdesc,
  type VmdescDevice,
  decodeLegacy,
  describeFromVmdesc,
  descriptionOf,
  encodeLegacy,
  entriesToState,
  parseVmdesc,
  stateToEntries,
  vmdescBodySize,
} from "@qber/vmstate";
import type { TObject } from "typebox";
import { type DeviceError, deviceError } from "./device-error.js";
import { isModelledMachine, machineTypeOf } from "./machine-type.js";

export type SectionKind = "ram-setup" | "ram" | "device" | ReservedKind;
export type DecodedBy = "plugin" | "vmdesc" | "blob";

/** A device section's contents, decoded by the policy above. */
export type DeviceDecoding =
  | { readonly by: "plugin"; readonly plugin: SectionPlugin; readonly description: TObject | undefined; readonly state: unknown }
  | {
      readonly by: "vmdesc";
      readonly description: TObject;
      readonly state: unknown;
      /** The plugin that could not read the section, and why. */
      readonly plugin?: SectionPlugin;
      readonly pluginError?: DeviceError;
    }
  | { readonly by: "blob"; readonly plugin?: SectionPlugin; readonly error?: DeviceError };

/** A device body read from QEMU's stream (import). */
export interface LegacyDeviceDecoding {
  readonly contents: SecFullContents;
  /** Bytes of the body read. */
  readonly length: number;
  readonly by: DecodedBy;
  /** Why the plugin was not used, when it was there. */
  readonly warning?: string;
}

const key = (name: string, instanceId: bigint | number): string => `${name}\u0000${instanceId}`;

export class SnapshotContext {
  private readonly vmdescByDevice = new Map<string, VmdescDevice>();
  private vmdescValue: Vmdesc | undefined;
  private machine: string | undefined;

  constructor(readonly registry: Registry = defaultRegistry) {}

  /** The machine type the configuration section named, if one was seen. */
  get machineType(): string | undefined {
    return this.machine;
  }

  /** Whether the device models describe the machine type (see machine-type.ts). */
  get modelled(): boolean {
    return isModelledMachine(this.machine);
  }

  get vmdesc(): Vmdesc | undefined {
    return this.vmdescValue;
  }

  useConfiguration(entries: readonly VmStateEntry[]): void {
    this.machine = machineTypeOf(entries);
  }

  useVmdesc(vmdesc: Vmdesc): void {
    this.vmdescValue = vmdesc;
    this.vmdescByDevice.clear();
    for (const d of vmdesc.devices) this.vmdescByDevice.set(key(d.name, d.instance_id), d);
  }

  /**
   * The kind of a SecFull, taking in what a reserved one says. Call it for
   * every SecFull in file order. A vmdesc that cannot be read names no
   * fields; why is kept in `vmdescError` (validation reports it).
   */
  see(sec: SecFull): SectionKind {
    if (isReservedSection(sec)) {
      const kind = reservedKind(sec.name);
      if (kind === "configuration" && sec.contents.kind === "vmstate") this.useConfiguration(sec.contents.value);
      if (kind === "vmdesc") this.readVmdesc(sec.contents);
      if (kind !== undefined) return kind;
    }
    return sec.contents.kind === "ramblid" ? "ram-setup" : "device";
  }

  /** Why the snapshot's vmdesc could not be read, when it could not. */
  vmdescError: string | undefined;

  private readVmdesc(contents: SecFullContents): void {
    try {
      if (contents.kind !== "oldblob") throw new Error(`contents are ${contents.kind}, not oldblob`);
      this.useVmdesc(parseVmdesc(contents.value));
      this.vmdescError = undefined;
    } catch (e) {
      this.vmdescError = (e as Error).message;
    }
  }

  /** The vmdesc's entry for a device section, by name and instance id. */
  vmdescEntry(section: SectionInfo): VmdescDevice | undefined {
    return this.vmdescByDevice.get(key(section.name, section.instanceId));
  }

  /** A device section's BER contents: by plugin, else by the vmdesc, else a blob. */
  decode(sec: SecFull): DeviceDecoding {
    const plugin = this.registry.find(sec.name, sec.versionId);
    let pluginError: DeviceError | undefined;
    if (plugin) {
      try {
        return { by: "plugin", plugin, description: descriptionOf(plugin), state: plugin.ber.decode(sec.contents, sec) };
      } catch (e) {
        pluginError = deviceError(e);
      }
    }
    const failed = { ...(plugin ? { plugin } : {}), ...(pluginError ? { pluginError } : {}) };
    const entry = this.vmdescEntry(sec);
    if (entry !== undefined && sec.contents.kind === "vmstate") {
      try {
        const description = describeFromVmdesc(entry);
        return { by: "vmdesc", description, state: entriesToState(description, sec.contents.value, { version: Number(sec.versionId) }), ...failed };
      } catch (e) {
        return { by: "blob", ...(plugin ? { plugin } : {}), error: pluginError ?? deviceError(e) };
      }
    }
    return { by: "blob", ...(plugin ? { plugin } : {}), ...(pluginError ? { error: pluginError } : {}) };
  }

  /**
   * A device body from QEMU's stream, by the same policy. The stream's vmdesc
   * says how long the body is: a plugin that reads another length knows
   * another layout. `blobLength` finds the end of a body nobody can read.
   */
  decodeLegacy(info: SectionInfo, body: Uint8Array, offset: number, blobLength: () => number): LegacyDeviceDecoding {
    const entry = this.vmdescEntry(info);
    const plugin = this.registry.find(info.name, info.versionId);
    let warning: string | undefined;
    if (plugin?.legacy) {
      try {
        const { value, length } = plugin.legacy.decode(body, info);
        const expected = entry === undefined ? length : vmdescBodySize(entry);
        if (length === expected) return { contents: plugin.ber.encode(value, info), length, by: "plugin" };
        warning = `${info.name}: plugin ${plugin.id} read ${length} bytes where the vmdesc has ${expected}; decoded from the vmdesc instead`;
      } catch (e) {
        if (entry === undefined) throw e;
        warning = `${info.name}: plugin ${plugin.id} could not decode it (${(e as Error).message}); decoded from the vmdesc instead`;
      }
    }
    if (entry !== undefined) {
      const description = describeFromVmdesc(entry);
      const version = Number(info.versionId);
      const { value, length } = decodeLegacy(description, body, { version, offset });
      return { contents: { kind: "vmstate", value: stateToEntries(description, value, { version }) }, length, by: "vmdesc", ...(warning ? { warning } : {}) };
    }
    const length = blobLength();
    return { contents: { kind: "oldblob", value: body.slice(0, length) }, length, by: "blob" };
  }

  /** A device section's body as QEMU bytes (export), by the same policy. */
  encodeLegacy(sec: SecFull): Uint8Array {
    if (sec.contents.kind === "oldblob") return sec.contents.value;
    const d = this.decode(sec);
    const entry = this.vmdescEntry(sec);
    if (d.by === "plugin" && d.plugin.legacy) {
      const bytes = d.plugin.legacy.encode(d.state, sec);
      // Entries that the plugin reads but whose QEMU layout differs from the
      // vmdesc's (another machine type): the vmdesc says how to write them.
      if (entry === undefined || bytes.length === vmdescBodySize(entry)) return bytes;
    }
    if (entry === undefined || sec.contents.kind !== "vmstate") {
      throw new QberEncodeError(`no plugin and no vmdesc entry to write section ${sec.name} (instance ${sec.instanceId}) as QEMU bytes`);
    }
    const version = Number(sec.versionId);
    const description = d.by === "vmdesc" ? d.description : describeFromVmdesc(entry);
    const state = d.by === "vmdesc" ? d.state : entriesToState(description, sec.contents.value, { version });
    return encodeLegacy(description, state as Record<string, unknown>, { version });
  }
}
