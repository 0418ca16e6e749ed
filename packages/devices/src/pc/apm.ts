/**
 * Advanced Power Management control/status ports (0xb2/0xb3): QEMU's
 * `APM State` vmsd, version 1 (hw/isa/apm.c). Embedded by the PIIX4 and
 * ICH9 power-management functions.
 */
import { u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

export const apmDescription = vmsd(
  { name: "APM State", version: 1, description: "APM control (0xb2) and status (0xb3) bytes" },
  {
    /** Last byte the guest wrote to the APM control port (an SMI trigger). */
    apmc: u8(),
    /** APM status scratch byte. */
    apms: u8(),
  },
);

export type ApmState = Static<typeof apmDescription>;

export const apmDefaults = (): ApmState => ({ apmc: 0, apms: 0 });
