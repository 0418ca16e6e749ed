/**
 * The parallel port behind `-device isa-parallel` as QEMU 7.2 migrates it:
 * vmsd "parallel_isa" version 1 from hw/char/parallel.c (the ISA wrapper
 * and the port state live in the same file). Section idstr `parallel_isa`,
 * instance id = the port index.
 *
 * Fields: the data latch as written and as read back, the status and
 * control registers, whether an interrupt is pending, and the EPP timeout
 * flag. QEMU treats the last two as booleans (0 or 1).
 */
import { definePlugin, i32, named, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

export const parallelIsaDescription = vmsd(
  { name: "parallel_isa", version: 1, description: "ISA parallel port (hw/char/parallel.c)" },
  {
    dataw: named("state.dataw", u8({ description: "data register as written" })),
    datar: named("state.datar", u8({ description: "data register as read" })),
    status: named("state.status", u8()),
    control: named("state.control", u8()),
    irq_pending: named("state.irq_pending", i32({ minimum: 0, maximum: 1 })),
    epp_timeout: named("state.epp_timeout", i32({ minimum: 0, maximum: 1 })),
  },
);

export type ParallelIsaState = Static<typeof parallelIsaDescription>;

export const parallelIsaPlugin = definePlugin({ id: "@qber/devices:parallel_isa", description: parallelIsaDescription });
