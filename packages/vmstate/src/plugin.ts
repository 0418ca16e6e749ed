/**
 * A described device as a core section plugin: the BER codec maps
 * SecFull `vmstate` contents to the typed state, the legacy codec maps
 * QEMU's section body bytes to the same state.
 */
import { QberDecodeError, type SectionInfo, type SectionPlugin } from "@qber/core";
import type { Static, TObject } from "typebox";
import { entriesToState, stateToEntries } from "./entries-codec.js";
import { decodeLegacy, encodeLegacy } from "./legacy-codec.js";
import { vmsdInfo } from "./vmsd.js";

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

export function definePlugin<S extends TObject>(options: DevicePluginOptions<S>): SectionPlugin<Static<S>> {
  const { description } = options;
  const info = vmsdInfo(description);
  const version = (section: SectionInfo): { version: number } => ({ version: Number(section.versionId) });
  const plugin: SectionPlugin<Static<S>> = {
    id: options.id,
    names: options.names ?? [info.name],
    minVersion: options.minVersion ?? info.minVersion,
    maxVersion: options.maxVersion ?? info.version,
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
