/**
 * The PS/2 mouse: QEMU's `ps2mouse` vmsd, version 2 (hw/input/ps2.c).
 *
 * The common PS/2 queue state, status byte (remote/enabled/scaling),
 * resolution, sample rate, wrap mode, mouse type (0 plain, 3 IntelliMouse,
 * 4 IntelliMouse Explorer) and the sample-rate knock sequence detecting it,
 * the accumulated motion not yet reported and the button state.
 */
import { definePlugin, i32, struct, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { ps2CommonDefaults, ps2CommonDescription } from "./ps2-common.js";

export const ps2mouseDescription = vmsd(
  { name: "ps2mouse", version: 2, minVersion: 2, description: "PS/2 mouse" },
  {
    parent_obj: struct(ps2CommonDescription),
    mouse_status: u8(),
    mouse_resolution: u8(),
    mouse_sample_rate: u8(),
    mouse_wrap: u8({ maximum: 1 }),
    mouse_type: u8(),
    mouse_detect_state: u8(),
    mouse_dx: i32(),
    mouse_dy: i32(),
    mouse_dz: i32(),
    mouse_buttons: u8(),
  },
);

export type Ps2mouseState = Static<typeof ps2mouseDescription>;

export const ps2mousePlugin = definePlugin({ id: "@qber/devices:ps2mouse", description: ps2mouseDescription });

/** A reset mouse as QEMU leaves it (all settings zero until the guest sends RESET). */
export const ps2mouseDefaults = (): Ps2mouseState => ({
  parent_obj: ps2CommonDefaults(),
  mouse_status: 0,
  mouse_resolution: 0,
  mouse_sample_rate: 0,
  mouse_wrap: 0,
  mouse_type: 0,
  mouse_detect_state: 0,
  mouse_dx: 0,
  mouse_dy: 0,
  mouse_dz: 0,
  mouse_buttons: 0,
});
