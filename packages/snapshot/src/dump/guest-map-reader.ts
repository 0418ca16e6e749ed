/**
 * The guest-physical map of a file being read section by section (for
 * inspect and the report): the machine type, the RAM blocks and the host
 * bridge's config space as they pass, the map (or why there is none) at the
 * end. QEMU's default max-ram-below-4g is assumed.
 */
import { RESERVED_SECTION_ID, ReservedName, type StreamedSecFull } from "@qber/core";
import { type GuestRange, guestPhysicalMap } from "./guest-physical-map.js";
import { isHostBridge, pciConfig } from "./machine-state.js";

export type GuestPhysical = { readonly ranges: readonly GuestRange[] } | { readonly error: string };

export class GuestMapReader {
  private machineType: string | undefined;
  private readonly blocks = new Map<string, number>();
  private hostBridgeConfig: Uint8Array | undefined;

  /** Looks at one full section (with its plugin-decoded value, if any). */
  add(s: StreamedSecFull): void {
    const sec = s.section;
    if (sec.sectionId === RESERVED_SECTION_ID && sec.name === ReservedName.configuration && sec.contents.kind === "vmstate") {
      const name = sec.contents.value[1];
      if (name?.kind === "oldblob") this.machineType = Buffer.from(name.value).toString("latin1");
    } else if (sec.contents.kind === "ramblid") {
      for (const b of sec.contents.value.blocks) this.blocks.set(b.name, Number(b.len));
    } else if (s.plugin && isHostBridge(sec.name)) {
      this.hostBridgeConfig = pciConfig(s.value);
    }
  }

  result(): GuestPhysical {
    if (this.machineType === undefined) return { error: "no configuration section naming the machine type" };
    try {
      return { ranges: guestPhysicalMap({ machineType: this.machineType, blocks: this.blocks, ...(this.hostBridgeConfig ? { hostBridgeConfig: this.hostBridgeConfig } : {}) }) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
}
