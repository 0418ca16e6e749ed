/**
 * The Intel 82574L PCI Express gigabit NIC (`-device e1000e`, the default
 * NIC of the q35 machine) as QEMU 7.2 migrates it: vmsd "e1000e" version 1
 * (loads 1 only) from hw/net/e1000e.c, with the device core of
 * hw/net/e1000e_core.c. Section idstr `<pci addr>/e1000e`. The layout was
 * taken from QEMU 7.2's sources and checked against the vmdesc of a real
 * 7.2 capture (fixtures/qemu-7.2/q35-defaults.mig).
 *
 * Fields, in wire order:
 * - `parent_obj[0]`: the PCI function — QEMU's `PCIDevice` vmsd, here with
 *   the 4096-byte PCI Express configuration space (vmdesc `config[1]`:
 *   the conventional 256-byte variant is declared first and skipped);
 * - `parent_obj[1]`: the MSI-X state (vmsd "msix"): the table of the five
 *   vectors (16 bytes each) and their pending-bit byte, one opaque element;
 * - the legacy I/O window address register (`ioaddr`);
 * - receive bookkeeping derived from RCTL/PSRCTL: the descriptor-minimum
 *   threshold shift, the receive descriptor size, the four packet-split
 *   buffer sizes and their sum;
 * - the EEPROM image (64 words), the PHY registers (7 pages of 32 words,
 *   flattened), the whole MAC register file (32768 words, by offset / 4),
 *   the permanent MAC address and the interrupt causes held back by the
 *   delay timers;
 * - the PCI subsystem id and vendor the device was created with;
 * - the interrupt delay/throttling timers (RDTR, RADV, RAID, TADV, TIDV,
 *   ITR and one per MSI-X vector), each as its expiry time (-1 when idle)
 *   and a running flag, plus the "interrupt postponed" flags of ITR and of
 *   each vector;
 * - the ITR/EITR values as the guest wrote them (reads return those; the
 *   register file keeps them raised to the minimum interval);
 * - the VLAN ethertype and, per transmit queue (2), the offload context
 *   the next packet will use (checksum offsets, TSO header length, MSS,
 *   payload length, IPv4/TCP flags) with the TSO and copy-skip flags.
 *
 * No subsections in 7.2.
 *
 * Bounds (what QEMU's register write handlers can produce):
 * - ring heads and tails RDH0/RDT0, RDH1/RDT1, TDH/TDT, TDH1/TDT1 are
 *   stored masked to 16 bits; whether they fall inside the ring
 *   (RDLEN/16 descriptors) is checked at run time, not on load;
 * - ring lengths RDLEN0/1 and TDLEN/TDLEN1 are stored masked to bits
 *   7..19 (a multiple of 128 below 1 MiB);
 * - the interrupt delay registers RDTR, RADV, RAID, TADV, TIDV are 16-bit;
 * - ITR and EITR[0..4] hold the written interval raised to the 500-unit
 *   minimum, so 500..0xffff; the guest-visible copies are 16-bit;
 * - the descriptor-minimum shift is 5 after reset and 5..8 once RCTL is
 *   written (RDMTS + 1, scaled by the 16-byte descriptor);
 * - the receive descriptor size is 0 before receive is first enabled,
 *   else 16 (legacy/extended) or 32 (packet split);
 * - receive buffer 0 holds at most 16384 bytes (RCTL buffer size, or
 *   PSRCTL.BSIZE0 in 128-byte units, or the flexible size in KiB);
 *   buffers 1..3 at most 63 KiB (6-bit PSRCTL fields in KiB); their sum
 *   at most 16256 + 3 * 64512;
 * - a TSO payload length is a 20-bit descriptor field, the IPv4/TCP flags
 *   0 or 1; the MSI-X pending-bit byte has only the five vector bits.
 */
import {
  array,
  bool,
  buffer,
  compressed,
  definePlugin,
  i8,
  i32Le,
  named,
  opaque,
  struct,
  timer,
  tuple,
  u16,
  u32,
  u8,
  u8Array,
  vmsd,
  when,
} from "@qber/vmstate";
import type { Static } from "typebox";
import { PCI_CONFIG_SPACE_SIZE, PCIE_CONFIG_SPACE_SIZE } from "../pc/pci-device.js";

/** E1000E_MAC_SIZE: 32-bit registers in the MAC register file. */
export const E1000E_MAC_SIZE = 0x8000;
/** E1000E_EEPROM_SIZE: EEPROM words. */
export const E1000E_EEPROM_SIZE = 64;
/** E1000E_PHY_PAGES x E1000E_PHY_PAGE_SIZE: the PHY register pages. */
export const E1000E_PHY_PAGES = 7;
export const E1000E_PHY_PAGE_SIZE = 0x20;
/** E1000E_MSIX_VEC_NUM: MSI-X vectors (and EITR registers). */
export const E1000E_MSIX_VEC_NUM = 5;
/** E1000E_NUM_QUEUES: transmit (and receive) queues. */
export const E1000E_NUM_QUEUES = 2;
/** E1000_PSRCTL_BUFFS_PER_DESC: packet-split buffers per receive descriptor. */
export const E1000E_RX_BUFFERS_PER_DESC = 4;
/** E1000E_MIN_XITR: the smallest interval ITR/EITR keep. */
export const E1000E_MIN_XITR = 500;

/**
 * Indices (byte offset / 4) in the MAC register file of the registers whose
 * stored values QEMU bounds.
 */
export const E1000E_REG = Object.freeze({
  ITR: 0x00c4 >> 2,
  EITR: 0x00e8 >> 2,
  RDLEN0: 0x2808 >> 2,
  RDH0: 0x2810 >> 2,
  RDT0: 0x2818 >> 2,
  RDTR: 0x2820 >> 2,
  RADV: 0x282c >> 2,
  RDLEN1: 0x2908 >> 2,
  RDH1: 0x2910 >> 2,
  RDT1: 0x2918 >> 2,
  RAID: 0x2c08 >> 2,
  TDLEN: 0x3808 >> 2,
  TDH: 0x3810 >> 2,
  TDT: 0x3818 >> 2,
  TIDV: 0x3820 >> 2,
  TADV: 0x382c >> 2,
  TDLEN1: 0x3908 >> 2,
  TDH1: 0x3910 >> 2,
  TDT1: 0x3918 >> 2,
});

/** Per-register JSON Schema bounds on the register file (index -> schema). */
function macRegisterBounds(): Record<number, Record<string, unknown>> {
  const r = E1000E_REG;
  const b: Record<number, Record<string, unknown>> = {};
  const bit16 = (what: string) => ({ maximum: 0xffff, description: `${what} (stored masked to 16 bits)` });
  const dlen = (what: string) => ({ maximum: 0xfff80, multipleOf: 128, description: `${what} (bytes; stored masked to bits 7..19)` });
  b[r.RDH0] = bit16("RDH0: receive ring 0 head");
  b[r.RDT0] = bit16("RDT0: receive ring 0 tail");
  b[r.RDH1] = bit16("RDH1: receive ring 1 head");
  b[r.RDT1] = bit16("RDT1: receive ring 1 tail");
  b[r.TDH] = bit16("TDH: transmit ring 0 head");
  b[r.TDT] = bit16("TDT: transmit ring 0 tail");
  b[r.TDH1] = bit16("TDH1: transmit ring 1 head");
  b[r.TDT1] = bit16("TDT1: transmit ring 1 tail");
  b[r.RDLEN0] = dlen("RDLEN0: receive ring 0 length");
  b[r.RDLEN1] = dlen("RDLEN1: receive ring 1 length");
  b[r.TDLEN] = dlen("TDLEN: transmit ring 0 length");
  b[r.TDLEN1] = dlen("TDLEN1: transmit ring 1 length");
  b[r.RDTR] = bit16("RDTR: receive delay timer");
  b[r.RADV] = bit16("RADV: receive absolute delay");
  b[r.RAID] = bit16("RAID: receive ACK interrupt delay");
  b[r.TIDV] = bit16("TIDV: transmit interrupt delay");
  b[r.TADV] = bit16("TADV: transmit absolute delay");
  b[r.ITR] = { minimum: E1000E_MIN_XITR, maximum: 0xffff, description: "ITR: throttling interval, at least the 500-unit minimum" };
  for (let i = 0; i < E1000E_MSIX_VEC_NUM; i++) {
    b[r.EITR + i] = { minimum: E1000E_MIN_XITR, maximum: 0xffff, description: `EITR[${i}]: vector ${i} throttling interval, at least the 500-unit minimum` };
  }
  return b;
}

/**
 * The MAC register file: a plain array of 32768 uint32 for the codecs and
 * vmdesc, with per-register bounds as a JSON Schema tuple check (`allOf`)
 * that only validation reads.
 */
function macRegisterFile() {
  const bounds = macRegisterBounds();
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < E1000E_MAC_SIZE; i++) {
    const bound = bounds[i];
    items.push(bound === undefined ? {} : { type: "integer", ...bound });
  }
  const schema = array(u32(), E1000E_MAC_SIZE, { description: "the MAC register file, indexed by register offset / 4" });
  return Object.assign(schema, { allOf: [{ items, minItems: E1000E_MAC_SIZE, maxItems: E1000E_MAC_SIZE }] });
}

/** INTA..INTD levels: four be32 words, each 0 or 1 (QEMU refuses anything else). */
const irqState = Object.assign(opaque("pci irq state", 16, { description: "INTA..INTD levels, be32 0 or 1 each" }), {
  pattern: "^(0000000[01]){4}$",
});

/**
 * QEMU's `PCIDevice` vmsd (hw/pci/pci.c, version 2) for a PCI Express
 * function: the 4096-byte configuration space is the one sent.
 */
export const pcieDeviceDescription = vmsd(
  { name: "PCIDevice", version: 2, minVersion: 1, description: "Generic PCI function state, PCI Express variant (4 KiB config space)" },
  {
    version_id: i32Le({ maximum: 2 }),
    /** Conventional configuration space: declared first, never sent by an express function. */
    configConventional: when(() => false, named("config", buffer(PCI_CONFIG_SPACE_SIZE, { type: "pci config" }))),
    config: named("config", buffer(PCIE_CONFIG_SPACE_SIZE, { type: "pci config" })),
    irq_state: irqState,
  },
);

/** MSI-X state of a function with five vectors (hw/pci/msix.c, vmsd "msix"). */
export const e1000eMsixDescription = vmsd(
  { name: "msix", version: 0, description: "MSI-X table and pending bits" },
  {
    msix: Object.assign(
      opaque("msix state", E1000E_MSIX_VEC_NUM * 16 + 1, {
        description: "5 table entries (address lo/hi, data, vector control; little-endian) then the pending-bit byte",
      }),
      // The pending-bit byte has one bit per vector: bits 5..7 are never set.
      { pattern: "^[0-9a-f]{160}[01][0-9a-f]$" },
    ),
  },
);

/** One interrupt delay or throttling timer (vmsd "e1000e-intr-timer"). */
export const e1000eIntrTimerDescription = vmsd(
  { name: "e1000e-intr-timer", version: 1 },
  {
    timer: timer({ minimum: -1n, description: "expiry time in ns of QEMU_CLOCK_VIRTUAL, -1 when not armed" }),
    running: bool(),
  },
);

/** One transmit queue's offload context (vmsd "e1000e-tx"). */
export const e1000eTxDescription = vmsd(
  { name: "e1000e-tx", version: 1 },
  {
    sum_needed: u8({ description: "POPTS byte of the last data descriptor (IXSM/TXSM checksum requests)" }),
    ipcss: named("props.ipcss", u8({ description: "IP checksum start offset" })),
    ipcso: named("props.ipcso", u8({ description: "IP checksum field offset" })),
    ipcse: named("props.ipcse", u16({ description: "IP checksum end offset" })),
    tucss: named("props.tucss", u8({ description: "TCP/UDP checksum start offset" })),
    tucso: named("props.tucso", u8({ description: "TCP/UDP checksum field offset" })),
    tucse: named("props.tucse", u16({ description: "TCP/UDP checksum end offset" })),
    hdr_len: named("props.hdr_len", u8({ description: "TSO header length" })),
    mss: named("props.mss", u16({ description: "TSO maximum segment size" })),
    paylen: named("props.paylen", u32({ maximum: 0xfffff, description: "TSO payload length (20-bit descriptor field)" })),
    ip: named("props.ip", i8({ minimum: 0, maximum: 1, description: "IPv4 (1) or IPv6 (0) TSO" })),
    tcp: named("props.tcp", i8({ minimum: 0, maximum: 1, description: "TCP (1) or UDP (0) TSO" })),
    tse: named("props.tse", bool({ description: "the context descriptor asked for TSO" })),
    cptse: bool({ description: "the packet being assembled uses TSO" }),
    skip_cp: bool({ description: "drop the rest of a packet whose fragments were pending at save time" }),
  },
);

/** Largest receive buffer 0 (RCTL sizes, PSRCTL.BSIZE0 x 128, flexible buffer x 1 KiB). */
const RXBUF0_MAX = 16384;
/** Largest packet-split buffer 1..3 (6-bit PSRCTL fields in KiB). */
const RXBUF_PS_MAX = 63 * 1024;

export const e1000eDescription = vmsd(
  { name: "e1000e", version: 1, description: "Intel 82574L PCI Express NIC (hw/net/e1000e.c)" },
  {
    pci: named("parent_obj", struct(pcieDeviceDescription)),
    msix: named("parent_obj", struct(e1000eMsixDescription)),
    ioaddr: u32({ description: "IOADDR: register offset selected through the I/O window" }),
    rxbuf_min_shift: named("core.rxbuf_min_shift", u32({ minimum: 5, maximum: 8, description: "receive descriptor minimum threshold shift (RDMTS + 1 + 4)" })),
    rx_desc_len: named("core.rx_desc_len", u8({ maximum: 32, description: "receive descriptor size: 0 before receive is enabled, 16 or 32 (packet split)" })),
    rxbuf_sizes: named(
      "core.rxbuf_sizes",
      compressed(
        true,
        tuple(
          [
            u32({ maximum: RXBUF0_MAX, description: "buffer 0 size" }),
            u32({ maximum: RXBUF_PS_MAX, description: "packet-split buffer 1 size" }),
            u32({ maximum: RXBUF_PS_MAX, description: "packet-split buffer 2 size" }),
            u32({ maximum: RXBUF_PS_MAX, description: "packet-split buffer 3 size" }),
          ],
          { description: "receive buffer sizes per descriptor" },
        ),
      ),
    ),
    rx_desc_buf_size: named("core.rx_desc_buf_size", u32({ maximum: 16256 + 3 * RXBUF_PS_MAX, description: "sum of rxbuf_sizes" })),
    eeprom: named("core.eeprom", array(u16(), E1000E_EEPROM_SIZE)),
    phy: named("core.phy", array(u16(), E1000E_PHY_PAGES * E1000E_PHY_PAGE_SIZE, { description: "PHY registers, page by page (7 x 32)" })),
    mac: named("core.mac", macRegisterFile()),
    permanent_mac: named("core.permanent_mac", u8Array(6, { description: "the MAC address the device was created with" })),
    delayed_causes: named("core.delayed_causes", u32({ description: "ICR causes held back by the delay timers" })),
    subsys: u16({ description: "PCI subsystem id" }),
    subsys_ven: u16({ description: "PCI subsystem vendor id" }),
    rdtr: named("core.rdtr", struct(e1000eIntrTimerDescription)),
    radv: named("core.radv", struct(e1000eIntrTimerDescription)),
    raid: named("core.raid", struct(e1000eIntrTimerDescription)),
    tadv: named("core.tadv", struct(e1000eIntrTimerDescription)),
    tidv: named("core.tidv", struct(e1000eIntrTimerDescription)),
    itr: named("core.itr", struct(e1000eIntrTimerDescription)),
    itr_intr_pending: named("core.itr_intr_pending", bool({ description: "an interrupt was postponed by ITR" })),
    eitr: named("core.eitr", array(struct(e1000eIntrTimerDescription), E1000E_MSIX_VEC_NUM, { description: "per MSI-X vector throttling timers" })),
    eitr_intr_pending: named("core.eitr_intr_pending", array(bool(), E1000E_MSIX_VEC_NUM, { description: "per vector: an interrupt was postponed by EITR" })),
    itr_guest_value: named("core.itr_guest_value", u32({ maximum: 0xffff, description: "ITR as the guest wrote it (16 bits)" })),
    eitr_guest_value: named(
      "core.eitr_guest_value",
      array(u32({ maximum: 0xffff }), E1000E_MSIX_VEC_NUM, { description: "EITR as the guest wrote them (16 bits)" }),
    ),
    vet: named("core.vet", u16({ description: "VLAN ethertype" })),
    tx: named("core.tx", array(struct(e1000eTxDescription), E1000E_NUM_QUEUES, { description: "per transmit queue offload context" })),
  },
);

export type E1000eState = Static<typeof e1000eDescription>;

export const e1000ePlugin = definePlugin({ id: "@qber/devices:e1000e", description: e1000eDescription });
