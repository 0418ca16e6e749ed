/**
 * One IDE channel (bus): QEMU's `ide_bus` vmsd, version 1, with its
 * `ide_bus/error` subsection, version 2 (hw/ide/core.c). Used by the PIIX
 * IDE function (two channels) and by every AHCI port.
 *
 * `unit` selects which of the channel's two drives is current and indexes
 * the drive array, so it is 0 or 1. The error subsection carries a request
 * that failed and is to be retried after the migration; its retry unit is
 * a drive index too (or 0xff for none).
 */
import { i64, since, subsection, u32, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

const ideBusErrorDescription = vmsd(
  { name: "ide_bus/error", version: 2, minVersion: 1, description: "A failed request to retry after migration" },
  {
    /** IDE_RETRY_* flags of the pending retry. */
    error_status: u32(),
    retry_sector_num: since(2, i64()),
    retry_nsector: since(2, u32()),
    retry_unit: since(2, u8()),
  },
);

export const ideBusDescription = vmsd(
  { name: "ide_bus", version: 1, description: "IDE channel: last command and current drive" },
  {
    cmd: u8(),
    /** Current drive of the channel (index into its two drives). */
    unit: u8({ maximum: 1 }),
    /** Sent while a failed request waits to be retried (its status is non-zero). */
    error: subsection(ideBusErrorDescription, { needed: (s) => ((s["error"] as { error_status?: number } | undefined)?.error_status ?? 0) !== 0 }),
  },
);

export type IdeBusState = Static<typeof ideBusDescription>;

export const ideBusDefaults = (): IdeBusState => ({ cmd: 0, unit: 0 });
