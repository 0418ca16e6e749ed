/**
 * The I/O APIC: QEMU's `ioapic` vmsd, version 3 (hw/intc/ioapic_common.c).
 *
 * APIC id, the register-select latch, a retired 8-byte slot (version 2 on),
 * the pending-interrupt register and the 24 redirection table entries.
 * QEMU checks the register selected through `ioregsel` against the table
 * size on every access, so any byte loads safely.
 */
import { array, definePlugin, since, u32, u64, u8, unused, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { zeros } from "./bytes.js";

/** Redirection table entries (IOAPIC_NUM_PINS). */
export const IOAPIC_NUM_PINS = 24;
/** A masked redirection entry (IOAPIC_LVT_MASKED). */
const MASKED = 1n << 16n;

export const ioapicDescription = vmsd(
  { name: "ioapic", version: 3, minVersion: 1, description: "I/O APIC" },
  {
    id: u8({ maximum: 0xf }),
    /** Register index latched through IOREGSEL. */
    ioregsel: u8(),
    /** Retired slot (once the next-time of an interrupt timer), zero. */
    unused: since(2, unused(8)),
    /** Pending interrupt requests, one bit per pin. */
    irr: since(2, u32()),
    ioredtbl: array(u64(), IOAPIC_NUM_PINS),
  },
);

export type IoapicState = Static<typeof ioapicDescription>;

export const ioapicPlugin = definePlugin({ id: "@qber/devices:ioapic", description: ioapicDescription });

/** A reset I/O APIC: every pin masked. */
export const ioapicDefaults = (): IoapicState => ({
  id: 0,
  ioregsel: 0,
  unused: zeros(8),
  irr: 0,
  ioredtbl: new Array<bigint>(IOAPIC_NUM_PINS).fill(MASKED),
});
