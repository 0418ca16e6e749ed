/**
 * The vmdesc entry of one device section, generated from its description
 * and state exactly as QEMU's saver writes it for the same bytes.
 */
import type { Static, TObject } from "typebox";
import { encodeLegacyDescribed } from "./legacy-codec.js";
import { compileVmsd } from "./model.js";
import type { VmdescDevice } from "./vmdesc.js";

export interface DeviceIdentity {
  /** The section idstr, e.g. `0000:00:01.1/ide`. */
  readonly name: string;
  readonly instanceId: number;
  /** The section version; defaults to the description's. */
  readonly version?: number;
}

/** Encodes a device body and returns it with its vmdesc entry. */
export function describeDevice<S extends TObject>(
  description: S,
  state: Static<S>,
  device: DeviceIdentity,
): { readonly bytes: Uint8Array; readonly vmdesc: VmdescDevice } {
  const model = compileVmsd(description);
  const { bytes, vmdesc } = encodeLegacyDescribed(description, state, device.version === undefined ? {} : { version: device.version });
  if (model.info.oldStyle) {
    // QEMU's old-style entry: total size, then one opaque "data" field.
    return {
      bytes,
      vmdesc: {
        name: device.name,
        instance_id: device.instanceId,
        size: bytes.length,
        fields: [{ name: "data", size: bytes.length, type: "buffer" } as VmdescDevice["fields"][number]],
      },
    };
  }
  return { bytes, vmdesc: { name: device.name, instance_id: device.instanceId, ...vmdesc } };
}
