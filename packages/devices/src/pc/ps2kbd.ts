/**
 * The PS/2 keyboard: QEMU's `ps2kbd` vmsd, version 3, with subsections
 * `ps2kbd/ledstate` (version 3), `ps2kbd/need_high_bit` (version 1) and
 * `ps2kbd/command_reply_queue` (version 0) (hw/input/ps2.c).
 *
 * The common PS/2 queue state, scanning enabled, scancode translation by
 * the controller, the scancode set (1..3, version 3 on), and when they
 * matter the LED state, the pending E0 prefix of a Pause sequence and the
 * ring position of the last queued command reply (-1 for none).
 */
import { definePlugin, i32, named, since, struct, subsection, vmsd, bool } from "@qber/vmstate";
import type { Static } from "typebox";
import { PS2_BUFFER_SIZE, ps2CommonDefaults, ps2CommonDescription } from "./ps2-common.js";

const ledstateDescription = vmsd({ name: "ps2kbd/ledstate", version: 3, minVersion: 2, description: "Keyboard LEDs" }, { ledstate: i32() });
const needHighBitDescription = vmsd({ name: "ps2kbd/need_high_bit", version: 1, description: "Pending E0 of a Pause sequence" }, { need_high_bit: bool() });
const commandReplyQueueDescription = vmsd(
  { name: "ps2kbd/command_reply_queue", version: 0, description: "End of the queued command replies" },
  { cwptr: named("parent_obj.queue.cwptr", i32({ minimum: -1, maximum: PS2_BUFFER_SIZE - 1 })) },
);

export const ps2kbdDescription = vmsd(
  { name: "ps2kbd", version: 3, minVersion: 2, description: "PS/2 keyboard" },
  {
    parent_obj: struct(ps2CommonDescription),
    scan_enabled: i32({ minimum: 0, maximum: 1 }),
    /** Whether the controller translates set 2 to set 1. */
    translate: i32({ minimum: 0, maximum: 1 }),
    scancode_set: since(3, i32({ minimum: 1, maximum: 3 })),
    /** Sent when any LED is lit. */
    ledstate: subsection(ledstateDescription, { needed: (s) => ((s["ledstate"] as { ledstate?: number } | undefined)?.ledstate ?? 0) !== 0 }),
    need_high_bit: subsection(needHighBitDescription, {
      needed: (s) => (s["need_high_bit"] as { need_high_bit?: boolean } | undefined)?.need_high_bit === true,
    }),
    /** Sent while command replies are queued. */
    command_reply_queue: subsection(commandReplyQueueDescription, {
      needed: (s) => ((s["command_reply_queue"] as { cwptr?: number } | undefined)?.cwptr ?? -1) !== -1,
    }),
  },
);

export type Ps2kbdState = Static<typeof ps2kbdDescription>;

export const ps2kbdPlugin = definePlugin({ id: "@qber/devices:ps2kbd", description: ps2kbdDescription });

/** A reset keyboard: scanning on, scancode set 2, empty queue. */
export const ps2kbdDefaults = (): Ps2kbdState => ({
  parent_obj: ps2CommonDefaults(),
  scan_enabled: 1,
  translate: 0,
  scancode_set: 2,
});
