/**
 * virtio-net behind virtio-pci (`-device virtio-net-pci`) as QEMU 7.2
 * migrates it: section vmsd "virtio-net" version 11 from
 * hw/net/virtio-net.c, whose single field `virtio` is QEMU's opaque
 * VMStateInfo "virtio" (hw/virtio/virtio.c, transport parts from
 * hw/virtio/virtio-pci.c). Section idstr `<pci addr>/virtio-net`.
 *
 * QEMU's vmdesc shows only `{"name": "virtio", "type": "virtio", "size": N}`
 * for it; the inner layout is decoded here exactly (see virtio.ts for the
 * virtio-pci and core parts): transport config, common header, then the
 * device vmsd "virtio-net-device" version 11:
 * MAC address; the first queue pair's "TX waiting" flag; mergeable receive
 * buffers; link status; promiscuous / all-multicast; the MAC filter table
 * (entries in use and 6 bytes each — sent as unused bytes when the count
 * exceeds QEMU's 64 entries); the 4096-bit VLAN filter as 512 raw bytes;
 * "has vnet header" (a temporary struct "virtio-net-vnet"); overflow and
 * filter flags; "has UFO" (temporary struct "virtio-net-ufo"); with more
 * than one queue pair the pair counts and the other pairs' TX-waiting
 * flags; the current guest offloads when the guest acked
 * VIRTIO_NET_F_CTRL_GUEST_OFFLOADS; subsection `virtio-net-device/rss`
 * (RSS configuration: flags, hash types, indirection table, key). The
 * virtio core subsections follow.
 *
 * State shape: `{ virtio: { device, core } }`, where `device` holds the
 * transport config (`transport`), the common header (`header`) and the
 * virtio-net fields, `core` the core subsections. The pseudo-vmsd names
 * (`virtio-net/virtio`, `virtio-pci/config`, `virtio/header`) are qber's.
 * The BER form keeps QEMU's view: one `oldblob` with the field's bytes,
 * identical to what a vmdesc-derived description gives. The section's
 * vmdesc entry comes from `describeVirtioNet`, which lists the field as
 * QEMU does (one element of type `virtio`).
 *
 * Configuration (not in the stream): MSI-X vector count (QEMU 7.2 default
 * for virtio-net-pci: 2 per queue pair + 2 = 4) and the maximum queue pairs
 * (1 unless a multi-queue backend is given).
 *
 * Bounds: the MAC table count <= 64 (MAC_TABLE_ENTRIES), current queue
 * pairs <= maximum, RSS indirection table length <= 128 and key 40 bytes,
 * plus the virtio core bounds of virtio.ts.
 */
import { QberDecodeError } from "@qber/core";
import {
  array,
  bool,
  buffer,
  decodeLegacy,
  describeDevice,
  encodeLegacy,
  named,
  struct,
  subsection,
  tmp,
  u16,
  u32,
  u64,
  u8,
  u8Array,
  vmsd,
  when,
  type DeviceIdentity,
  type DevicePlugin,
  type VmdescDevice,
  type VmStateObject,
} from "@qber/vmstate";
import type { Static, TSchema } from "typebox";
import { guestFeaturesLo, virtioCoreDescription, virtioHeaderDescription, virtioPciConfigDescription } from "./virtio.js";

/** MAC_TABLE_ENTRIES. */
export const MAC_TABLE_ENTRIES = 64;
/** MAX_VLAN / 8: the VLAN filter bitmap in bytes. */
export const VLAN_BITMAP_BYTES = (1 << 12) >> 3;
/** VIRTIO_NET_RSS_MAX_KEY_SIZE and VIRTIO_NET_RSS_MAX_TABLE_LEN. */
export const RSS_MAX_KEY_SIZE = 40;
export const RSS_MAX_TABLE_LEN = 128;
/** sizeof(struct virtio_net_config) in 7.2 (mac .. supported_hash_types). */
export const VIRTIO_NET_CONFIG_SIZE = 24;
/** VIRTIO_NET_F_CTRL_GUEST_OFFLOADS. */
export const VIRTIO_NET_F_CTRL_GUEST_OFFLOADS = 2;

export interface VirtioNetConfig {
  /** MSI-X vectors of the PCI function (0 = none); QEMU 7.2 default 2 * queue pairs + 2. */
  readonly vectors?: number;
  /** Maximum queue pairs (netdev `queues=`); 1 by default. */
  readonly maxQueuePairs?: number;
}

const txWaitingDescription = vmsd({ name: "virtio-net-queue-tx_waiting", version: 0 }, { tx_waiting: u32({ maximum: 1 }) });

const macTableFits = (s: VmStateObject): boolean => Number(s["mac_table_in_use"]) <= MAC_TABLE_ENTRIES;
const curr = (s: VmStateObject): number => Number(s["curr_queue_pairs"] ?? 1);

export const virtioNetRssDescription = vmsd(
  { name: "virtio-net-device/rss", version: 1 },
  {
    enabled: named("rss_data.enabled", bool()),
    redirect: named("rss_data.redirect", bool()),
    populate_hash: named("rss_data.populate_hash", bool()),
    hash_types: named("rss_data.hash_types", u32()),
    indirections_len: named("rss_data.indirections_len", u16({ maximum: RSS_MAX_TABLE_LEN })),
    default_queue: named("rss_data.default_queue", u16()),
    key: named("rss_data.key", u8Array(RSS_MAX_KEY_SIZE)),
    indirections_table: named("rss_data.indirections_table", array(u16(), { from: "indirections_len" })),
  },
);

/** The device part (with transport config and common header first), vmsd "virtio-net-device" version 11. */
export function virtioNetDeviceDescription(config: VirtioNetConfig = {}) {
  const maxQueuePairs = config.maxQueuePairs ?? 1;
  const vectors = config.vectors ?? 2 * maxQueuePairs + 2;
  const multi = maxQueuePairs > 1;
  const extraTxWaiting: Record<string, TSchema> = {};
  for (let i = 1; i < maxQueuePairs; i++) extraTxWaiting[`tx_waiting_${i}`] = when((s) => curr(s) > i, struct(txWaitingDescription));
  return vmsd(
    { name: "virtio-net-device", version: 11, description: "virtio-net device state (hw/net/virtio-net.c)" },
    {
      transport: struct(virtioPciConfigDescription(vectors)),
      header: struct(virtioHeaderDescription(vectors > 0, VIRTIO_NET_CONFIG_SIZE)),
      mac: u8Array(6),
      vqs: struct(txWaitingDescription, { pointer: true }),
      mergeable_rx_bufs: u32({ maximum: 1 }),
      status: u16({ description: "VIRTIO_NET_S_LINK_UP 1, VIRTIO_NET_S_ANNOUNCE 2" }),
      promisc: u8({ maximum: 1 }),
      allmulti: u8({ maximum: 1 }),
      mac_table_in_use: named("mac_table.in_use", u32({ maximum: MAC_TABLE_ENTRIES })),
      mac_table_macs: named("mac_table.macs", when(macTableFits, buffer({ from: "mac_table_in_use", multiply: 6 }))),
      mac_table_discarded: named(
        "unused",
        when((s) => !macTableFits(s), buffer({ from: "mac_table_in_use", multiply: 6 }, { type: "unused_buffer" })),
      ),
      vlans: buffer(VLAN_BITMAP_BYTES, { description: "VLAN filter: 128 little-endian u32 words of bits" }),
      vnet: tmp(vmsd({ name: "virtio-net-vnet", version: 0 }, { has_vnet_hdr: u32({ maximum: 1 }) })),
      multi_overflow: named("mac_table.multi_overflow", u8({ maximum: 1 })),
      uni_overflow: named("mac_table.uni_overflow", u8({ maximum: 1 })),
      alluni: u8({ maximum: 1 }),
      nomulti: u8({ maximum: 1 }),
      nouni: u8({ maximum: 1 }),
      nobcast: u8({ maximum: 1 }),
      ufo: tmp(vmsd({ name: "virtio-net-ufo", version: 0 }, { has_ufo: u8({ maximum: 1 }) })),
      max_queue_pairs: when(() => multi, u16({ equal: maxQueuePairs })),
      curr_queue_pairs: when(() => multi, u16({ minimum: 1, maximum: maxQueuePairs })),
      tx_waiting: tmp(vmsd({ name: "virtio-net-tx_waiting", version: 0 }, {})),
      ...extraTxWaiting,
      curr_guest_offloads: when((s) => (guestFeaturesLo(s) & (1 << VIRTIO_NET_F_CTRL_GUEST_OFFLOADS)) !== 0, u64()),
      rss: subsection(virtioNetRssDescription),
    },
  );
}

/** The `virtio` field's contents for a configuration. */
export function virtioNetBlobDescription(config: VirtioNetConfig = {}) {
  return vmsd(
    { name: "virtio-net/virtio", version: 1, description: "contents of the opaque `virtio` field" },
    {
      device: struct(virtioNetDeviceDescription(config)),
      core: struct(virtioCoreDescription),
    },
  );
}

/** The section, typed (field `virtio` decoded). */
export function virtioNetSectionDescription(config: VirtioNetConfig = {}) {
  return vmsd(
    { name: "virtio-net", version: 11, description: "virtio-net-pci (hw/net/virtio-net.c)" },
    {
      virtio: struct(virtioNetBlobDescription(config)),
    },
  );
}

export const virtioNetBlob = virtioNetBlobDescription();
export const virtioNetDescription = virtioNetSectionDescription();

export type VirtioNetState = Static<typeof virtioNetDescription>;

/**
 * The section's vmdesc entry as QEMU writes it: the typed description's
 * entry with the `virtio` field collapsed to one element of type `virtio`.
 */
export function describeVirtioNet(
  state: VirtioNetState,
  device: DeviceIdentity,
  description = virtioNetDescription,
): { readonly bytes: Uint8Array; readonly vmdesc: VmdescDevice } {
  const { bytes, vmdesc } = describeDevice(description, state, device);
  const fields = vmdesc.fields.map((f) => (f.name === "virtio" ? { name: "virtio", type: "virtio", size: f.size } : f));
  return { bytes, vmdesc: { ...vmdesc, fields } };
}

/**
 * A section plugin for virtio-net-pci of the given configuration. It
 * carries the typed section description (field `virtio` decoded); the BER
 * codec is its own, since the BER form keeps the field as one blob.
 */
export function virtioNetPlugin(config: VirtioNetConfig = {}, id = "@qber/devices:virtio-net"): DevicePlugin<typeof virtioNetDescription> {
  const section = Object.keys(config).length === 0 ? virtioNetDescription : virtioNetSectionDescription(config);
  const blob = section === virtioNetDescription ? virtioNetBlob : virtioNetBlobDescription(config);
  const version = (s: { versionId: bigint }) => ({ version: Number(s.versionId) });
  const plugin: DevicePlugin<typeof virtioNetDescription> = {
    id,
    names: ["virtio-net"],
    minVersion: 11,
    maxVersion: 11,
    description: section,
    ber: {
      decode(contents, s) {
        const entry = contents.kind === "vmstate" && contents.value.length === 1 ? contents.value[0] : undefined;
        if (entry?.kind !== "oldblob") {
          throw new QberDecodeError(`section ${s.name}: expected one oldblob entry (the virtio field)`, { expected: "vmstate [oldblob]" });
        }
        const { value, length } = decodeLegacy(blob, entry.value, { final: true });
        if (length !== entry.value.length) {
          throw new QberDecodeError(`section ${s.name}: virtio field has ${entry.value.length - length} bytes after its contents`, {
            expected: `${length} bytes`,
          });
        }
        return { virtio: value } as VirtioNetState;
      },
      encode(value) {
        return { kind: "vmstate" as const, value: [{ kind: "oldblob" as const, value: encodeLegacy(blob, value.virtio) }] };
      },
    },
    legacy: {
      decode(bytes, s) {
        return decodeLegacy(section, bytes, version(s)) as { value: VirtioNetState; length: number };
      },
      encode(value, s) {
        return encodeLegacy(section, value, version(s));
      },
    },
  };
  return Object.freeze(plugin);
}

export const virtioNetDefaultPlugin = virtioNetPlugin();
