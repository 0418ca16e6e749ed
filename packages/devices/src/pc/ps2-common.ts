/**
 * The state common to both PS/2 devices: QEMU's `PS2 Common State` vmsd,
 * version 3 (hw/input/ps2.c), embedded by `ps2kbd` and `ps2mouse`.
 *
 * The pending command byte and the output queue. In QEMU 7.2 the queue
 * lives in a 256-byte ring (PS2_BUFFER_SIZE) but holds at most 16 bytes of
 * input data (PS2_QUEUE_SIZE) plus up to 8 bytes of keyboard command
 * replies (PS2_QUEUE_HEADROOM). The ring positions index the ring and the
 * count sizes the copy out of it (the queue overruns behind CVE-2013-4533
 * and kin), so they are bounded: positions inside the ring, count at most
 * what a 7.2 queue can hold (which is also where 7.2's loader clamps it).
 */
import { buffer, i32, named, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { zeros } from "./bytes.js";

/** Bytes in the PS/2 ring buffer (PS2_BUFFER_SIZE). */
export const PS2_BUFFER_SIZE = 256;
/** Input bytes a PS/2 queue holds (PS2_QUEUE_SIZE in QEMU 7.2). */
export const PS2_QUEUE_SIZE = 16;
/** Extra room for keyboard command replies (PS2_QUEUE_HEADROOM). */
export const PS2_QUEUE_HEADROOM = 8;
/** Largest queue fill count a QEMU 7.2 state can have. */
export const PS2_QUEUE_MAX_COUNT = PS2_QUEUE_SIZE + PS2_QUEUE_HEADROOM;

export const ps2CommonDescription = vmsd(
  { name: "PS2 Common State", version: 3, minVersion: 2, description: "PS/2 pending command and output queue" },
  {
    /** Command awaiting its parameter byte, or -1 for none. */
    write_cmd: i32(),
    /** Ring position of the next byte the guest reads. */
    rptr: named("queue.rptr", i32({ minimum: 0, maximum: PS2_BUFFER_SIZE - 1 })),
    /** Ring position the next queued byte goes to. */
    wptr: named("queue.wptr", i32({ minimum: 0, maximum: PS2_BUFFER_SIZE - 1 })),
    /** Bytes queued. */
    count: named("queue.count", i32({ minimum: 0, maximum: PS2_QUEUE_MAX_COUNT })),
    data: named("queue.data", buffer(PS2_BUFFER_SIZE)),
  },
);

export type Ps2CommonState = Static<typeof ps2CommonDescription>;

export const ps2CommonDefaults = (): Ps2CommonState => ({ write_cmd: -1, rptr: 0, wptr: 0, count: 0, data: zeros(PS2_BUFFER_SIZE) });
