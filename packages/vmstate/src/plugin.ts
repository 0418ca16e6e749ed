/**
 * A described device as a core section plugin: the BER codec maps
 * SecFull `vmstate` contents to the typed state, the legacy codec maps
 * QEMU's section body bytes to the same state. The plugin carries its
 * description, so whoever holds the plugin (validation, the JSON form,
 * vmdesc, a user reading fields by name) needs nothing else.
 */
import { QberDecodeError, type LegacyCodec, type SectionInfo, type SectionPlugin } from "@qber/core";
import type { Static, TObject } from "typebox";
import { annotationOf } from "./annotation.js";
import { entriesToState, stateToEntries } from "./entries-codec.js";
import { decodeLegacy, encodeLegacy } from "./legacy-codec.js";
import { vmsdInfo } from "./vmsd.js";

/**
 * A section plugin made from a vmsd description, carrying it: its values
 * are `Static<S>`. Core's SectionPlugin knows nothing of descriptions; this
 * is the vmstate view of one.
 */
export interface DevicePlugin<S extends TObject = TObject> extends SectionPlugin<Static<S>> {
  /** The device's top-level vmsd description. */
  readonly description: S;
  /** A description can always be read from and written to QEMU's stream. */
  readonly legacy: LegacyCodec<Static<S>>;
}

export interface DevicePluginOptions<S extends TObject> {
  /** Unique id, conventionally `package:name`. */
  readonly id: string;
  /** The device's top-level vmsd description. */
  readonly description: S;
  /** Section names handled; defaults to the vmsd name. */
  readonly names?: readonly string[];
  /** Versions handled; default to the description's minimum and current version. */
  readonly minVersion?: number;
  readonly maxVersion?: number;
}

export function definePlugin<S extends TObject>(options: DevicePluginOptions<S>): DevicePlugin<S> {
  const { description } = options;
  const info = vmsdInfo(description);
  const version = (section: SectionInfo): { version: number } => ({ version: Number(section.versionId) });
  const plugin: DevicePlugin<S> = {
    id: options.id,
    names: options.names ?? [info.name],
    minVersion: options.minVersion ?? info.minVersion,
    maxVersion: options.maxVersion ?? info.version,
    description,
    ber: {
      decode(contents, section) {
        if (contents.kind !== "vmstate") {
          throw new QberDecodeError(`section ${section.name} holds ${contents.kind}`, { expected: "vmstate contents" });
        }
        return entriesToState(description, contents.value, version(section));
      },
      encode(value, section) {
        return { kind: "vmstate" as const, value: stateToEntries(description, value, version(section)) };
      },
    },
    legacy: {
      decode(bytes, section) {
        return decodeLegacy(description, bytes, version(section));
      },
      encode(value, section) {
        return encodeLegacy(description, value, version(section));
      },
    },
  };
  return Object.freeze(plugin);
}

/**
 * Whether a plugin carries a vmsd description. Checked by shape (a
 * `description` with the vmsd annotation), not by identity, so that plugins
 * built by another copy of this package, or by hand, count too.
 */
export function isDevicePlugin(plugin: SectionPlugin): plugin is DevicePlugin {
  if (!("description" in plugin)) return false;
  const description: unknown = plugin.description;
  return typeof description === "object" && description !== null && annotationOf(description as TObject)?.kind === "vmsd";
}

/** The vmsd description a plugin carries, if it is a device plugin. */
export function descriptionOf(plugin: SectionPlugin): TObject | undefined {
  return isDevicePlugin(plugin) ? plugin.description : undefined;
}
