/**
 * The bus-master DMA engine of a PCI IDE channel: QEMU's `ide bmdma` vmsd,
 * version 3, with subsections `ide bmdma_current` (sic: QEMU names it with
 * an underscore) and `ide bmdma/status`, version 1 each (hw/ide/pci.c).
 *
 * Command register, a status byte in which old QEMU versions also kept
 * retry flags (`migration_compat_status`), the PRD table address, and the
 * request to retry after migration. The `current` subsection carries the
 * PRD walk in progress, the `status` subsection the real status register
 * when retry flags had to be folded into the compatible one.
 */
import { i64, subsection, u32, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

/** Status bits old QEMU versions reused for retry flags (BM_MIGRATION_COMPAT_STATUS_BITS). */
const COMPAT_STATUS_BITS = 0x08 | 0x10 | 0x20 | 0x40;

const bmdmaCurrentDescription = vmsd(
  { name: "ide bmdma_current", version: 1, description: "PRD table walk in progress" },
  {
    cur_addr: u32(),
    cur_prd_last: u32(),
    cur_prd_addr: u32(),
    cur_prd_len: u32(),
  },
);

const bmdmaStatusDescription = vmsd({ name: "ide bmdma/status", version: 1, description: "The real status register" }, { status: u8() });

export const ideBmdmaDescription = vmsd(
  { name: "ide bmdma", version: 3, minVersion: 0, description: "IDE bus-master DMA channel" },
  {
    cmd: u8(),
    migration_compat_status: u8(),
    /** PRD table address. */
    addr: u32(),
    migration_retry_sector_num: i64(),
    migration_retry_nsector: u32(),
    /** Drive (0 or 1) of the request to retry; QEMU keeps only the low bit. */
    migration_retry_unit: u8(),
    /** Sent while a PRD entry is being transferred. */
    current: subsection(bmdmaCurrentDescription, {
      needed: (s) => ((s["current"] as { cur_prd_len?: number } | undefined)?.cur_prd_len ?? 0) !== 0,
    }),
    /** Sent when the status register has bits the compatible byte cannot carry. */
    status: subsection(bmdmaStatusDescription, {
      needed: (s) => (((s["status"] as { status?: number } | undefined)?.status ?? 0) & COMPAT_STATUS_BITS) !== 0,
    }),
  },
);

export type IdeBmdmaState = Static<typeof ideBmdmaDescription>;

export const ideBmdmaDefaults = (): IdeBmdmaState => ({
  cmd: 0,
  migration_compat_status: 0,
  addr: 0,
  migration_retry_sector_num: 0n,
  migration_retry_nsector: 0,
  migration_retry_unit: 0,
});
