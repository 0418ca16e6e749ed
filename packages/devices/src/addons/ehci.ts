/**
 * The USB 2.0 EHCI controller (`-device usb-ehci`) as QEMU 7.2 migrates it:
 * section vmsd "ehci" version 2 (loads 1..2) from hw/usb/hcd-ehci-pci.c,
 * holding the PCI function and the controller core, vmsd "ehci-core"
 * version 2 (loads 1..2) from hw/usb/hcd-ehci.c. Section idstr
 * `<pci addr>/ehci`.
 *
 * Core fields: the operational registers (USBCMD, USBSTS plus the status
 * bits still to be raised and the frame-index status, USBINTR, FRINDEX,
 * CTRLDSSEGMENT, PERIODICLISTBASE, ASYNCLISTADDR, CONFIGFLAG), the six
 * port status/control registers, the frame timer and the time of the last
 * run, the async-schedule idle countdown, and the async/periodic schedule
 * state machines with the addresses they fetch next. In-flight queue heads
 * and transfers are not migrated: QEMU restarts the schedules.
 *
 * Bounds: FRINDEX at most 0x3fff (a 14-bit register; QEMU indexes the
 * periodic frame list with it); the schedule states are QEMU's EST_*
 * values 1000..1013; CONFIGFLAG 0 or 1.
 */
import { definePlugin, named, struct, timer, u32, u64, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { pciDeviceDescription } from "../pc/pci-device.js";

/** Root ports of the EHCI controller (NB_PORTS in hcd-ehci.h). */
export const EHCI_PORTS = 6;
/** QEMU's schedule states: EST_INACTIVE = 1000 ... EST_HORIZONTALQH = 1013. */
export const EST_INACTIVE = 1000;
export const EST_LAST = 1013;

const state = (description: string) => u32({ minimum: EST_INACTIVE, maximum: EST_LAST, description });

export const ehciCoreDescription = vmsd(
  { name: "ehci-core", version: 2, minVersion: 1, description: "EHCI core (hw/usb/hcd-ehci.c)" },
  {
    usbcmd: u32(),
    usbsts: u32(),
    usbsts_pending: u32({ description: "status bits to raise at the next frame" }),
    usbsts_frindex: u32({ description: "frame index at which the pending bits are raised" }),
    usbintr: u32(),
    frindex: u32({ maximum: 0x3fff, description: "frame index (14 bits; microframes)" }),
    ctrldssegment: u32(),
    periodiclistbase: u32(),
    asynclistaddr: u32(),
    configflag: u32({ maximum: 1 }),
    portsc0: named("portsc[0]", u32()),
    portsc1: named("portsc[1]", u32()),
    portsc2: named("portsc[2]", u32()),
    portsc3: named("portsc[3]", u32()),
    portsc4: named("portsc[4]", u32()),
    portsc5: named("portsc[5]", u32()),
    frame_timer: timer(),
    last_run_ns: u64(),
    async_stepdown: u32(),
    astate: state("async schedule state (EST_*)"),
    pstate: state("periodic schedule state (EST_*)"),
    a_fetch_addr: u32(),
    p_fetch_addr: u32(),
  },
);

export type EhciCoreState = Static<typeof ehciCoreDescription>;

export const ehciDescription = vmsd(
  { name: "ehci", version: 2, minVersion: 1, description: "PCI EHCI (hw/usb/hcd-ehci-pci.c)" },
  {
    pcidev: struct(pciDeviceDescription),
    ehci: struct(ehciCoreDescription),
  },
);

export type EhciState = Static<typeof ehciDescription>;

export const ehciPlugin = definePlugin({ id: "@qber/devices:ehci", description: ehciDescription });
