/**
 * The AHCI host bus adapter state shared by every AHCI device: QEMU's
 * `ahci` vmsd, version 1, with its per-port `ahci port` and per-command
 * `ncq state`, version 1 each (hw/ide/ahci.c).
 *
 * Per port: the IDE channel and drive it emulates, port state and
 * completion bitmap, the port registers (command list and FIS addresses,
 * interrupt status/mask, command, task file, signature, SATA status/
 * control/error/active, command issue), the first-DRQ and initial D2H
 * flags, the command slot being processed and the 32 native command
 * queueing slots. Then the global host control registers, the index/data
 * pair index and the port count (checked against the destination's).
 *
 * QEMU's loader rejects a busy slot outside -1..31 and halted NCQ commands
 * whose tag and slot differ or exceed the 32 slots; the bounds state the
 * same per field.
 */
import { array, bool, i32, named, since, struct, u32, u64, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { repeat } from "./bytes.js";
import { ideBusDefaults, ideBusDescription } from "./ide-bus.js";
import { ideDriveDefaults, ideDriveDescription } from "./ide-drive.js";

/** Command slots per port (AHCI_MAX_CMDS). */
export const AHCI_MAX_CMDS = 32;

export const ncqStateDescription = vmsd(
  { name: "ncq state", version: 1, minVersion: 0, description: "One native command queueing slot" },
  {
    sector_count: u32(),
    lba: u64(),
    tag: u8({ maximum: AHCI_MAX_CMDS - 1 }),
    cmd: u8(),
    slot: u8({ maximum: AHCI_MAX_CMDS - 1 }),
    used: bool(),
    halt: bool(),
  },
);

export const ahciPortDescription = vmsd(
  { name: "ahci port", version: 1, minVersion: 0, description: "One AHCI port" },
  {
    port: since(1, struct(ideBusDescription)),
    drive: since(1, named("port.ifs[0]", struct(ideDriveDescription))),
    port_state: u32(),
    finished: u32(),
    lst_addr: named("port_regs.lst_addr", u32()),
    lst_addr_hi: named("port_regs.lst_addr_hi", u32()),
    fis_addr: named("port_regs.fis_addr", u32()),
    fis_addr_hi: named("port_regs.fis_addr_hi", u32()),
    irq_stat: named("port_regs.irq_stat", u32()),
    irq_mask: named("port_regs.irq_mask", u32()),
    cmd: named("port_regs.cmd", u32()),
    tfdata: named("port_regs.tfdata", u32()),
    sig: named("port_regs.sig", u32()),
    scr_stat: named("port_regs.scr_stat", u32()),
    scr_ctl: named("port_regs.scr_ctl", u32()),
    scr_err: named("port_regs.scr_err", u32()),
    scr_act: named("port_regs.scr_act", u32()),
    cmd_issue: named("port_regs.cmd_issue", u32()),
    done_first_drq: bool(),
    /** Command slot being processed, -1 for none. */
    busy_slot: i32({ minimum: -1, maximum: AHCI_MAX_CMDS - 1 }),
    init_d2h_sent: bool(),
    ncq_tfs: since(1, array(struct(ncqStateDescription), AHCI_MAX_CMDS)),
  },
);

/** `ahci` for an HBA with `ports` ports (6 on ICH9). */
export function ahciDescriptionFor(ports: number) {
  return vmsd(
    { name: "ahci", version: 1, minVersion: 0, description: `AHCI host bus adapter with ${ports} ports` },
    {
      dev: array(struct(ahciPortDescription), ports),
      cap: named("control_regs.cap", u32()),
      ghc: named("control_regs.ghc", u32()),
      irqstatus: named("control_regs.irqstatus", u32()),
      impl: named("control_regs.impl", u32()),
      version: named("control_regs.version", u32()),
      /** Register index of the index/data pair. */
      idp_index: u32(),
      ports: i32({ equal: ports, type: "int32 equal" }),
    },
  );
}

export type AhciPortState = Static<typeof ahciPortDescription>;

/**
 * A reset port with nothing attached: FIS receive and start bits as QEMU
 * resets them (command 6), task file "busy/error" (0x7f) and an all-ones
 * signature (no device), no command in flight.
 */
export const ahciPortDefaults = (): AhciPortState => ({
  port: ideBusDefaults(),
  drive: ideDriveDefaults(),
  port_state: 0,
  finished: 0,
  lst_addr: 0,
  lst_addr_hi: 0,
  fis_addr: 0,
  fis_addr_hi: 0,
  irq_stat: 0,
  irq_mask: 0,
  cmd: 6,
  tfdata: 0x7f,
  sig: 0xffffffff,
  scr_stat: 0,
  scr_ctl: 0,
  scr_err: 0,
  scr_act: 0,
  cmd_issue: 0,
  done_first_drq: false,
  busy_slot: -1,
  init_d2h_sent: false,
  ncq_tfs: repeat(AHCI_MAX_CMDS, () => ({ sector_count: 0, lba: 0n, tag: 0, cmd: 0, slot: 0, used: false, halt: false })),
});

/** A reset HBA with `ports` ports: AHCI 1.0, AHCI enabled, every port implemented. */
export function ahciDefaults(ports: number): Static<ReturnType<typeof ahciDescriptionFor>> {
  return {
    dev: repeat(ports, ahciPortDefaults),
    /** 64-bit, NCQ, staggered spin-up, 3 Gb/s, 32 command slots, `ports` ports. */
    cap: (0xc0141f00 | (ports - 1)) >>> 0,
    ghc: 0x80000000,
    irqstatus: 0,
    impl: 2 ** ports - 1,
    version: 0x10000,
    idp_index: 0,
    ports,
  };
}
