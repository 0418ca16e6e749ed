/**
 * The ISA floppy disk controller: QEMU's `fdc` vmsd, version 2 (the
 * section), wrapping the controller's own `fdc` vmsd, version 2, with its
 * per-drive `fdrive`, version 1, and their subsections (`fdrive/media_changed`,
 * `fdrive/media_rate`, `fdrive/perpendicular`, `fdc/reset_sensei`,
 * `fdc/result_timer`, `fdc/phase`, version 1 each) (hw/block/fdc.c,
 * hw/block/fdc-isa.c).
 *
 * Status, digital output, tape drive, data rate and main status registers,
 * the three result status bytes, the 512-byte command/data FIFO with the
 * transfer position and length, transfer state, timers and configuration
 * bytes, and per drive the head, track and sector plus (in subsections) the
 * media-changed flag, data rate and perpendicular mode.
 *
 * `data_pos` and `data_len` address the FIFO: in command and result phases
 * QEMU indexes the FIFO with the position directly, in a non-DMA data
 * transfer it wraps the position at the sector size. The position is a
 * total over a multi-sector transfer, so its legitimate range depends on
 * the phase; the bounds below allow the largest transfer a command can set
 * up (128 << 7 bytes per sector, 255 sectors, both heads).
 */
import { array, definePlugin, i32, struct, subsection, timer, u32, u8, u8Array, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { zeros } from "./bytes.js";

/** Bytes of the controller FIFO (FD_SECTOR_LEN). */
export const FD_SECTOR_LEN = 512;
/** Drives the QEMU controller has (MAX_FD). */
export const MAX_FD = 2;
/** Largest transfer a READ/WRITE command can set up, in bytes. */
export const FD_MAX_TRANSFER = (128 << 7) * 255 * 2;

const mediaChangedDescription = vmsd({ name: "fdrive/media_changed", version: 1, description: "Disk change line" }, { media_changed: u8({ maximum: 1 }) });
const mediaRateDescription = vmsd({ name: "fdrive/media_rate", version: 1, description: "Data rate of the inserted medium" }, { media_rate: u8() });
const perpendicularDescription = vmsd({ name: "fdrive/perpendicular", version: 1, description: "Perpendicular recording mode" }, { perpendicular: u8() });

export const fdriveDescription = vmsd(
  { name: "fdrive", version: 1, description: "One floppy drive's position" },
  {
    head: u8(),
    track: u8(),
    sect: u8(),
    /** Sent while the disk change line is set. */
    media_changed: subsection(mediaChangedDescription),
    /** Sent when a medium is inserted. */
    media_rate: subsection(mediaRateDescription),
    /** Sent when perpendicular mode is set. */
    perpendicular: subsection(perpendicularDescription),
  },
);

const resetSenseiDescription = vmsd(
  { name: "fdc/reset_sensei", version: 1, description: "SENSE INTERRUPT replies owed after reset" },
  { reset_sensei: i32({ minimum: 0, maximum: 4 }) },
);
const resultTimerDescription = vmsd({ name: "fdc/result_timer", version: 1, description: "Pending result-phase timer" }, { result_timer: timer() });
const phaseDescription = vmsd({ name: "fdc/phase", version: 1, description: "Command phase when it cannot be reconstructed" }, { phase: u8({ maximum: 3 }) });

export const fdcStateDescription = vmsd(
  { name: "fdc", version: 2, minVersion: 2, description: "Floppy controller registers, FIFO and drives" },
  {
    sra: u8(),
    srb: u8(),
    /** Digital output register, drive select bits included. */
    dor_vmstate: u8(),
    tdr: u8(),
    dsr: u8(),
    msr: u8(),
    status0: u8(),
    status1: u8(),
    status2: u8(),
    fifo: u8Array(FD_SECTOR_LEN),
    data_pos: u32({ maximum: FD_MAX_TRANSFER }),
    data_len: u32({ maximum: FD_MAX_TRANSFER }),
    data_state: u8(),
    data_dir: u8(),
    eot: u8(),
    timer0: u8(),
    timer1: u8(),
    precomp_trk: u8(),
    config: u8(),
    lock: u8(),
    pwrd: u8(),
    num_floppies: u8({ equal: MAX_FD, type: "uint8 equal" }),
    drives: array(struct(fdriveDescription), MAX_FD),
    reset_sensei: subsection(resetSenseiDescription),
    result_timer: subsection(resultTimerDescription),
    phase: subsection(phaseDescription),
  },
);

export const fdcDescription = vmsd(
  { name: "fdc", version: 2, minVersion: 2, description: "ISA floppy disk controller" },
  {
    state: struct(fdcStateDescription),
  },
);

export type FdcState = Static<typeof fdcDescription>;

export const fdcPlugin = definePlugin({ id: "@qber/devices:fdc", description: fdcDescription });

/**
 * A reset controller with its two (empty) drives: status registers A/B as
 * the PC/AT model shows them, both drive motors off with DMA and reset
 * released in the DOR, ready for a command, implied seek and FIFO enabled.
 * QEMU sends the drives' data rate on every 7.2 machine.
 */
export const fdcDefaults = (): FdcState => ({
  state: {
    sra: 0x40,
    srb: 0xc0,
    dor_vmstate: 0x0c,
    tdr: 0,
    dsr: 0,
    msr: 0x80,
    status0: 0,
    status1: 0,
    status2: 0,
    fifo: zeros(FD_SECTOR_LEN),
    data_pos: 0,
    data_len: 1,
    data_state: 0,
    data_dir: 0,
    eot: 0,
    timer0: 0,
    timer1: 0,
    precomp_trk: 0,
    config: 0x60,
    lock: 0,
    pwrd: 0,
    num_floppies: MAX_FD,
    drives: [0, 1].map(() => ({ head: 0, track: 0, sect: 0, media_rate: { media_rate: 0 } })),
  },
});
