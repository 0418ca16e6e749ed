/**
 * The VMware absolute mouse backdoor: QEMU's `vmmouse` vmsd, version 0
 * (hw/i386/vmmouse.c).
 *
 * A 1024-word event queue (its size is checked against the destination's),
 * the number of queued words, the status word and absolute mode. The
 * queued-word count sizes the copies out of the queue, so it is at most
 * the queue size.
 */
import { array, definePlugin, i32, u16, u32, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

/** Words in the vmmouse queue (VMMOUSE_QUEUE_SIZE). */
export const VMMOUSE_QUEUE_SIZE = 1024;

export const vmmouseDescription = vmsd(
  { name: "vmmouse", version: 0, description: "VMware absolute pointer backdoor" },
  {
    queue_size: i32({ equal: VMMOUSE_QUEUE_SIZE, type: "int32 equal" }),
    queue: array(u32(), VMMOUSE_QUEUE_SIZE),
    /** Words queued. */
    nb_queue: u16({ maximum: VMMOUSE_QUEUE_SIZE }),
    status: u16(),
    absolute: u8({ maximum: 1 }),
  },
);

export type VmmouseState = Static<typeof vmmouseDescription>;

export const vmmousePlugin = definePlugin({ id: "@qber/devices:vmmouse", description: vmmouseDescription });

/** A reset vmmouse: disabled (status 0xffff until the guest enables it), queue empty. */
export const vmmouseDefaults = (): VmmouseState => ({
  queue_size: VMMOUSE_QUEUE_SIZE,
  queue: new Array<number>(VMMOUSE_QUEUE_SIZE).fill(0),
  nb_queue: 0,
  status: 0xffff,
  absolute: 0,
});
