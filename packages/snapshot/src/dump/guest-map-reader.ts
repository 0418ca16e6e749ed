/**
 * The guest-physical map of a file being read section by section (for
 * inspect and the report): the RAM blocks and the host bridge's config
 * space as they pass, the map (or why there is none) at the end. QEMU's
 * default max-ram-below-4g is assumed.
 */
import type { SecFull } from "@qber/core";
import type { DeviceDecoding } from "@qber/qemu/classify";
import { type GuestRange, guestPhysicalMap } from "./guest-physical-map.js";
import { isHostBridge, pciConfig } from "./machine-state.js";

export type GuestPhysical = { readonly ranges: readonly GuestRange[] } | { readonly error: string };

export class GuestMapReader {
  private readonly blocks = new Map<string, number>();
  private hostBridgeConfig: Uint8Array | undefined;

  /** Looks at one full section; `decoded`: a device section's contents as the snapshot context decoded them. */
  add(sec: SecFull, decoded?: DeviceDecoding): void {
    if (sec.contents.kind === "ramblid") {
      for (const b of sec.contents.value.blocks) this.blocks.set(b.name, Number(b.len));
    } else if (decoded !== undefined && decoded.by !== "blob" && isHostBridge(sec.name)) {
      this.hostBridgeConfig = pciConfig(decoded.state);
    }
  }

  /** The map for the machine type the configuration section named. */
  result(machineType: string | undefined): GuestPhysical {
    if (machineType === undefined) return { error: "no configuration section naming the machine type" };
    try {
      return { ranges: guestPhysicalMap({ machineType, blocks: this.blocks, ...(this.hostBridgeConfig ? { hostBridgeConfig: this.hostBridgeConfig } : {}) }) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
}
