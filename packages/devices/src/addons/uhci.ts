/**
 * The USB 1.1 UHCI controller (`-device piix3-usb-uhci` and its siblings)
 * as QEMU 7.2 migrates it: vmsd "uhci" version 3 (loads 1..3) from
 * hw/usb/hcd-uhci.c. Section idstr `<pci addr>/uhci`.
 *
 * Fields: the PCI function; the port count, which QEMU requires to be 2;
 * each port's PORTSC (vmsd "uhci port" version 1); USBCMD, USBSTS, USBINTR,
 * FRNUM, the frame-list base address, SOF timing, the internal second
 * status byte; the frame timer; from version 2 the expiry time of the
 * current frame, and from version 3 the interrupt mask to raise at the
 * next frame.
 *
 * Bounds: FRNUM at most 0x7ff (an 11-bit register; QEMU indexes the
 * 1024-entry frame list with its low 10 bits); the frame-list base is page
 * aligned (QEMU keeps only bits 31..12: checked as a maximum only).
 */
import { array, definePlugin, i64, since, struct, timer, u16, u32, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { pciDeviceDescription } from "../pc/pci-device.js";

/** NB_PORTS of the UHCI root hub. */
export const UHCI_PORTS = 2;

export const uhciPortDescription = vmsd(
  { name: "uhci port", version: 1 },
  {
    ctrl: u16({ description: "PORTSC" }),
  },
);

export const uhciDescription = vmsd(
  { name: "uhci", version: 3, minVersion: 1, description: "UHCI (hw/usb/hcd-uhci.c)" },
  {
    dev: struct(pciDeviceDescription),
    num_ports_vmstate: u8({ equal: UHCI_PORTS, description: "QEMU requires 2" }),
    ports: array(struct(uhciPortDescription), UHCI_PORTS),
    cmd: u16(),
    status: u16(),
    intr: u16(),
    frnum: u16({ maximum: 0x7ff, description: "frame number (11 bits)" }),
    fl_base_addr: u32({ description: "frame list base (bits 31..12)" }),
    sof_timing: u8(),
    status2: u8({ maximum: 3, description: "pending USBSTS interrupt bits (IOC = 1, short packet = 2)" }),
    frame_timer: timer(),
    expire_time: since(2, i64({ description: "virtual-clock time of the next frame" })),
    pending_int_mask: since(3, u32()),
  },
);

export type UhciState = Static<typeof uhciDescription>;

export const uhciPlugin = definePlugin({ id: "@qber/devices:uhci", description: uhciDescription });
