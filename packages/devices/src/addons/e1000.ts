/**
 * The Intel 82540EM gigabit NIC (`-device e1000`) as QEMU 7.2 migrates it:
 * vmsd "e1000" version 2 (loads 1..2) from hw/net/e1000.c. Section idstr
 * `<pci addr>/e1000`.
 *
 * Fields: the PCI function; 4 unused bytes sent only at version 1 (an old
 * instance id) and 4 unused bytes always (an old MMIO base); the receive
 * buffer size and descriptor-threshold shift derived from RCTL; the
 * Microwire EEPROM interface state; the checksum/TSO context
 * ("mig_props": the context QEMU will use for the next packet); the
 * transmit assembly state (bytes gathered so far, TSO frame count,
 * checksum flags); the 256-byte header and 64 KiB data buffers of the
 * packet being assembled — the bulk of the section; the EEPROM image
 * (64 words) and PHY registers (32); 37 named MAC registers, and the
 * receive-address (32), multicast (128) and VLAN filter (128) tables.
 *
 * Subsections (each sent when its compatibility property is on, which is
 * the 7.2 default): `e1000/mit_state` (interrupt mitigation registers and
 * the mitigated interrupt level), `e1000/full_mac_state` (the whole 32768
 * register file, 128 KiB), `e1000/tx_tso_state` (the TSO context kept
 * separately from the checksum context).
 *
 * Bounds: `tx.size` (bytes gathered in the 64 KiB data buffer) is a u16;
 * `rxbuf_size` at most 16384 (the largest receive buffer RCTL selects, the
 * length QEMU copies per descriptor), `rxbuf_min_shift` 1..4 as QEMU
 * derives it; RDH/RDT/TDH/TDT at most 0xffff (QEMU stores them as 16-bit
 * registers; their relation to RDLEN/TDLEN is checked by QEMU at run time); the
 * TSO payload length a 20-bit field; the IPv4/TCP flags 0 or 1.
 */
import { array, bool, buffer, definePlugin, i8, named, struct, subsection, u16, u32, u8, unused, vmsd, when } from "@qber/vmstate";
import type { Static } from "typebox";
import { pciDeviceDescription } from "../pc/pci-device.js";

/** Size of the MAC register file (32-bit registers) and of the transmit buffers. */
export const E1000_MAC_REGS = 0x8000;
export const E1000_TX_HEADER_SIZE = 256;
export const E1000_TX_DATA_SIZE = 0x10000;

export const e1000MitStateDescription = vmsd(
  { name: "e1000/mit_state", version: 1 },
  {
    mac_RDTR: named("mac_reg[RDTR]", u32()),
    mac_RADV: named("mac_reg[RADV]", u32()),
    mac_TADV: named("mac_reg[TADV]", u32()),
    mac_ITR: named("mac_reg[ITR]", u32()),
    mit_irq_level: bool(),
  },
);

export const e1000FullMacStateDescription = vmsd(
  { name: "e1000/full_mac_state", version: 1 },
  {
    mac_reg: array(u32(), E1000_MAC_REGS, { description: "the whole MAC register file, indexed by offset / 4" }),
  },
);

export const e1000TxTsoStateDescription = vmsd(
  { name: "e1000/tx_tso_state", version: 1 },
  {
    tso_ipcss: named("tx.tso_props.ipcss", u8({ description: "IP checksum start offset" })),
    tso_ipcso: named("tx.tso_props.ipcso", u8({ description: "IP checksum field offset" })),
    tso_ipcse: named("tx.tso_props.ipcse", u16({ description: "IP checksum end offset" })),
    tso_tucss: named("tx.tso_props.tucss", u8({ description: "TCP/UDP checksum start offset" })),
    tso_tucso: named("tx.tso_props.tucso", u8({ description: "TCP/UDP checksum field offset" })),
    tso_tucse: named("tx.tso_props.tucse", u16({ description: "TCP/UDP checksum end offset" })),
    tso_paylen: named("tx.tso_props.paylen", u32({ maximum: 0xfffff, description: "TSO payload length (20-bit descriptor field)" })),
    tso_hdr_len: named("tx.tso_props.hdr_len", u8({ description: "TSO header length (at most the 256-byte header buffer)" })),
    tso_mss: named("tx.tso_props.mss", u16()),
    tso_ip: named("tx.tso_props.ip", i8({ minimum: 0, maximum: 1, description: "IPv4 (1) or IPv6 (0) TSO" })),
    tso_tcp: named("tx.tso_props.tcp", i8({ minimum: 0, maximum: 1, description: "TCP (1) or UDP (0) TSO" })),
  },
);

export const e1000Description = vmsd(
  { name: "e1000", version: 2, minVersion: 1, description: "Intel 82540EM (hw/net/e1000.c)" },
  {
    parent_obj: struct(pciDeviceDescription),
    unused_instance_id: named(
      "unused",
      when((_s, version) => version === 1, unused(4, { description: "version 1 only: former instance id" })),
    ),
    unused_mmio_base: named("unused", unused(4, { description: "former MMIO base" })),
    rxbuf_size: u32({ maximum: 16384, description: "receive buffer size selected by RCTL" }),
    rxbuf_min_shift: u32({ maximum: 4, description: "receive descriptor minimum threshold shift (1..4 once RCTL is written)" }),
    eecd_val_in: named("eecd_state.val_in", u32()),
    eecd_bitnum_in: named("eecd_state.bitnum_in", u16()),
    eecd_bitnum_out: named("eecd_state.bitnum_out", u16({ description: "EEPROM read bit position (0xffff right after a read command at word 0)" })),
    eecd_reading: named("eecd_state.reading", u16({ maximum: 1 })),
    eecd_old_eecd: named("eecd_state.old_eecd", u32()),
    mig_ipcss: named("mig_props.ipcss", u8({ description: "IP checksum start offset" })),
    mig_ipcso: named("mig_props.ipcso", u8({ description: "IP checksum field offset" })),
    mig_ipcse: named("mig_props.ipcse", u16({ description: "IP checksum end offset" })),
    mig_tucss: named("mig_props.tucss", u8({ description: "TCP/UDP checksum start offset" })),
    mig_tucso: named("mig_props.tucso", u8({ description: "TCP/UDP checksum field offset" })),
    mig_tucse: named("mig_props.tucse", u16({ description: "TCP/UDP checksum end offset" })),
    mig_paylen: named("mig_props.paylen", u32({ maximum: 0xfffff, description: "TSO payload length (20-bit descriptor field)" })),
    mig_hdr_len: named("mig_props.hdr_len", u8({ description: "TSO header length (at most the 256-byte header buffer)" })),
    mig_mss: named("mig_props.mss", u16()),
    tx_size: named("tx.size", u16({ description: "bytes of the current packet gathered in tx.data" })),
    tx_tso_frames: named("tx.tso_frames", u16()),
    tx_sum_needed: named("tx.sum_needed", u8({ description: "POPTS byte of the last data descriptor (IXSM/TXSM checksum requests)" })),
    mig_ip: named("mig_props.ip", i8({ minimum: 0, maximum: 1, description: "IPv4 (1) or IPv6 (0) TSO" })),
    mig_tcp: named("mig_props.tcp", i8({ minimum: 0, maximum: 1, description: "TCP (1) or UDP (0) TSO" })),
    tx_header: named("tx.header", buffer(E1000_TX_HEADER_SIZE, { description: "TSO header template" })),
    tx_data: named("tx.data", buffer(E1000_TX_DATA_SIZE, { description: "packet being assembled" })),
    eeprom_data: array(u16(), 64),
    phy_reg: array(u16(), 0x20),
    mac_CTRL: named("mac_reg[CTRL]", u32()),
    mac_EECD: named("mac_reg[EECD]", u32()),
    mac_EERD: named("mac_reg[EERD]", u32()),
    mac_GPRC: named("mac_reg[GPRC]", u32()),
    mac_GPTC: named("mac_reg[GPTC]", u32()),
    mac_ICR: named("mac_reg[ICR]", u32()),
    mac_ICS: named("mac_reg[ICS]", u32()),
    mac_IMC: named("mac_reg[IMC]", u32()),
    mac_IMS: named("mac_reg[IMS]", u32()),
    mac_LEDCTL: named("mac_reg[LEDCTL]", u32()),
    mac_MANC: named("mac_reg[MANC]", u32()),
    mac_MDIC: named("mac_reg[MDIC]", u32()),
    mac_MPC: named("mac_reg[MPC]", u32()),
    mac_PBA: named("mac_reg[PBA]", u32()),
    mac_RCTL: named("mac_reg[RCTL]", u32()),
    mac_RDBAH: named("mac_reg[RDBAH]", u32()),
    mac_RDBAL: named("mac_reg[RDBAL]", u32()),
    mac_RDH: named(
      "mac_reg[RDH]",
      u32({ maximum: 0xffff, description: "receive descriptor head (16-bit register; index into the ring of RDLEN/16 descriptors)" }),
    ),
    mac_RDLEN: named("mac_reg[RDLEN]", u32()),
    mac_RDT: named("mac_reg[RDT]", u32({ maximum: 0xffff, description: "receive descriptor tail (16-bit register)" })),
    mac_STATUS: named("mac_reg[STATUS]", u32()),
    mac_SWSM: named("mac_reg[SWSM]", u32()),
    mac_TCTL: named("mac_reg[TCTL]", u32()),
    mac_TDBAH: named("mac_reg[TDBAH]", u32()),
    mac_TDBAL: named("mac_reg[TDBAL]", u32()),
    mac_TDH: named("mac_reg[TDH]", u32({ maximum: 0xffff, description: "transmit descriptor head (16-bit register)" })),
    mac_TDLEN: named("mac_reg[TDLEN]", u32()),
    mac_TDT: named("mac_reg[TDT]", u32({ maximum: 0xffff, description: "transmit descriptor tail (16-bit register)" })),
    mac_TORH: named("mac_reg[TORH]", u32()),
    mac_TORL: named("mac_reg[TORL]", u32()),
    mac_TOTH: named("mac_reg[TOTH]", u32()),
    mac_TOTL: named("mac_reg[TOTL]", u32()),
    mac_TPR: named("mac_reg[TPR]", u32()),
    mac_TPT: named("mac_reg[TPT]", u32()),
    mac_TXDCTL: named("mac_reg[TXDCTL]", u32()),
    mac_WUFC: named("mac_reg[WUFC]", u32()),
    mac_VET: named("mac_reg[VET]", u32()),
    mac_RA: named("mac_reg", array(u32(), 32, { description: "receive address table (RA)" })),
    mac_MTA: named("mac_reg", array(u32(), 128, { description: "multicast table array (MTA)" })),
    mac_VFTA: named("mac_reg", array(u32(), 128, { description: "VLAN filter table array (VFTA)" })),
    mit_state: subsection(e1000MitStateDescription),
    full_mac_state: subsection(e1000FullMacStateDescription),
    tx_tso_state: subsection(e1000TxTsoStateDescription),
  },
);

export type E1000State = Static<typeof e1000Description>;

export const e1000Plugin = definePlugin({ id: "@qber/devices:e1000", description: e1000Description });
