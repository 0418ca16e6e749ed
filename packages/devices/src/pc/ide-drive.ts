/**
 * One IDE/ATAPI drive: QEMU's `ide_drive` vmsd, version 3, with the
 * subsections `ide_drive/pio_state`, `ide_drive/tray_state` and
 * `ide_drive/atapi/gesn_state`, version 1 each (hw/ide/core.c). Used by the
 * PIIX IDE function (four drives) and by every AHCI port (one drive).
 *
 * The task file registers, the sense data and, once the guest issued
 * IDENTIFY, the 512-byte identify block. A drive in the middle of a PIO
 * transfer also sends its whole I/O buffer (256 sectors plus 4 bytes, fixed
 * by QEMU) with the cursor into it and the index of the function to call
 * when the transfer ends: QEMU's loader turns the cursor straight into
 * pointers and the index into a table lookup, so the bounds below are what
 * keeps a hostile state inside the buffer and the table.
 */
import { bool, buffer, i32, named, since, subsection, u32, u8, u8Array, vmsd, when } from "@qber/vmstate";
import type { Static } from "typebox";

/** Sectors of the drive's I/O buffer (IDE_DMA_BUF_SECTORS). */
export const IDE_DMA_BUF_SECTORS = 256;
/** Bytes of the I/O buffer QEMU allocates and migrates (sectors * 512 + 4). */
export const IDE_IO_BUFFER_LEN = IDE_DMA_BUF_SECTORS * 512 + 4;
/** Largest READ/WRITE MULTIPLE block (MAX_MULT_SECTORS). */
export const MAX_MULT_SECTORS = 16;
/** Entries of QEMU's end-of-transfer function table. */
export const IDE_END_TRANSFER_FUNCTIONS = 6;
/** ATA status register DRQ bit: a PIO transfer is in progress. */
const DRQ_STAT = 0x08;

const pioStateDescription = vmsd(
  { name: "ide_drive/pio_state", version: 1, description: "A PIO transfer in progress" },
  {
    /** Sectors per interrupt of the current command (at most the buffer). */
    req_nb_sectors: i32({ minimum: 0, maximum: IDE_DMA_BUF_SECTORS }),
    io_buffer: u8Array(IDE_IO_BUFFER_LEN),
    /** Transfer cursor: offset of the next byte in the I/O buffer. */
    cur_io_buffer_offset: i32({ minimum: 0, maximum: IDE_IO_BUFFER_LEN }),
    /** Bytes left in the current chunk after the cursor. */
    cur_io_buffer_len: i32({ minimum: 0, maximum: IDE_IO_BUFFER_LEN }),
    /** Index into QEMU's table of end-of-transfer functions. */
    end_transfer_fn_idx: u8({ maximum: IDE_END_TRANSFER_FUNCTIONS - 1 }),
    elementary_transfer_size: i32({ minimum: 0, maximum: IDE_IO_BUFFER_LEN }),
    packet_transfer_size: i32({ minimum: 0 }),
  },
);

const trayStateDescription = vmsd(
  { name: "ide_drive/tray_state", version: 1, description: "CD-ROM tray open/locked" },
  { tray_open: bool(), tray_locked: bool() },
);

const gesnStateDescription = vmsd(
  { name: "ide_drive/atapi/gesn_state", version: 1, description: "Pending GET EVENT STATUS NOTIFICATION media events" },
  {
    new_media: named("events.new_media", bool()),
    eject_request: named("events.eject_request", bool()),
  },
);

export const ideDriveDescription = vmsd(
  { name: "ide_drive", version: 3, minVersion: 0, description: "IDE/ATAPI drive: task file, sense data, identify block" },
  {
    /** Sectors per READ/WRITE MULTIPLE block. */
    mult_sectors: i32({ minimum: 0, maximum: MAX_MULT_SECTORS }),
    /** Whether the identify block has been built (then it is sent). */
    identify_set: i32({ minimum: 0, maximum: 1 }),
    identify_data: when((s) => s["identify_set"] !== 0, buffer(512)),
    feature: u8(),
    error: u8(),
    nsector: u32(),
    sector: u8(),
    lcyl: u8(),
    hcyl: u8(),
    hob_feature: u8(),
    hob_sector: u8(),
    hob_nsector: u8(),
    hob_lcyl: u8(),
    hob_hcyl: u8(),
    select: u8(),
    status: u8(),
    lba48: u8(),
    sense_key: u8(),
    asc: u8(),
    cdrom_changed: since(3, u8()),
    /** Sent while a PIO transfer is in progress (DRQ set in the status register). */
    pio_state: subsection(pioStateDescription, { needed: (s) => ((s["status"] as number) & DRQ_STAT) !== 0 }),
    tray_state: subsection(trayStateDescription),
    gesn_state: subsection(gesnStateDescription),
  },
);

export type IdeDriveState = Static<typeof ideDriveDescription>;

/**
 * An empty drive slot after reset (what QEMU sends for the PIIX IDE and
 * AHCI drives that have no medium attached): the task file shows the
 * "no device" signature and the status is ready + seek complete.
 */
export const ideDriveDefaults = (): IdeDriveState => ({
  mult_sectors: MAX_MULT_SECTORS,
  identify_set: 0,
  feature: 0,
  error: 0,
  nsector: 1,
  sector: 1,
  lcyl: 0xff,
  hcyl: 0xff,
  hob_feature: 0,
  hob_sector: 0,
  hob_nsector: 0,
  hob_lcyl: 0,
  hob_hcyl: 0,
  select: 0xa0,
  status: 0x50,
  lba48: 0,
  sense_key: 0,
  asc: 0,
  cdrom_changed: 0,
});
