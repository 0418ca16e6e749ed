/**
 * The run state the destination resumes in: QEMU's `globalstate` vmsd,
 * version 1 (migration/global_state.c).
 *
 * A NUL-terminated run-state name (`running`, `paused`, `prelaunch`, ...)
 * in a 100-byte buffer, with its length including the NUL. QEMU rejects a
 * name that fills the buffer without a terminator; the pattern states the
 * same on the hex form (a 00 byte somewhere in the buffer).
 */
import { QberEncodeError } from "@qber/core";
import { buffer, definePlugin, u32, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

/** Bytes of the run-state buffer. */
export const GLOBAL_STATE_RUNSTATE_SIZE = 100;

const runstate = Object.assign(buffer(GLOBAL_STATE_RUNSTATE_SIZE, { description: "NUL-terminated run state name" }), {
  pattern: "^(?:[0-9a-f]{2})*?00(?:[0-9a-f]{2})*$",
});

export const globalStateDescription = vmsd(
  { name: "globalstate", version: 1, description: "Run state to resume in" },
  {
    /** Length of the name including its NUL. */
    size: u32({ minimum: 1, maximum: GLOBAL_STATE_RUNSTATE_SIZE }),
    runstate,
  },
);

export type GlobalStateState = Static<typeof globalStateDescription>;

export const globalStatePlugin = definePlugin({ id: "@qber/devices:globalstate", description: globalStateDescription });

/** The global state for a run-state name such as `running`, `paused` or `prelaunch`. */
export function globalStateFor(name: string): GlobalStateState {
  const text = new TextEncoder().encode(name);
  if (text.length >= GLOBAL_STATE_RUNSTATE_SIZE)
    throw new QberEncodeError(`run state name ${JSON.stringify(name)} of ${text.length} bytes`, { expected: `at most ${GLOBAL_STATE_RUNSTATE_SIZE - 1}` });
  const buf = new Uint8Array(GLOBAL_STATE_RUNSTATE_SIZE);
  buf.set(text);
  return { size: text.length + 1, runstate: buf };
}

/** A machine created with -S and never started: `prelaunch`. */
export const globalStateDefaults = (): GlobalStateState => globalStateFor("prelaunch");
