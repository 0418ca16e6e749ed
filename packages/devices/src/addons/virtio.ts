/**
 * The virtio core as QEMU 7.2 saves it inside a device's `virtio` field
 * (the VMStateInfo "virtio" of hw/virtio/virtio.c, whose save function
 * writes by hand, so QEMU's vmdesc shows the whole thing as one opaque
 * element of that type). Transport parts are those of virtio-pci
 * (hw/virtio/virtio-pci.c). The layout, decoded exactly:
 *
 * 1. transport config (virtio-pci): the PCIDevice vmsd (version 2); when
 *    the function has MSI-X, the MSI-X table (16 bytes per vector) and
 *    pending-bit array (one bit per vector, rounded up to bytes) as raw
 *    bytes, then the configuration-change vector (be16);
 * 2. common header: device status, ISR, selected queue (be16), the low 32
 *    guest feature bits, the device config length (be32) and that many
 *    bytes of device config, the number of queues in use (be32), and per
 *    queue its size (be32), descriptor table address (be64), last
 *    available index (be16) and, with MSI-X, its vector (be16) — virtio-pci
 *    has no variable ring alignment, so no alignment word;
 * 3. the device's own vmsd (e.g. "virtio-net-device", in virtio-net.ts);
 * 4. the subsections of QEMU's vmsd "virtio" version 1 (no fields):
 *    `virtio/device_endian`, `virtio/64bit_features` (all 64 guest feature
 *    bits), `virtio/virtqueues` (avail and used ring addresses of all 1024
 *    queues, for virtio 1.0 devices), `virtio/ringsize` (default ring size
 *    of all 1024 queues, when any queue was resized), `virtio/broken`,
 *    `virtio/extra_state` (the transport's own vmsd: for virtio-pci the
 *    vmsd "virtio_pci" whose subsection `virtio_pci/modern_state` holds the
 *    modern feature-select registers and, for all 1024 queues, size,
 *    enable flag and the 64-bit ring addresses as 32-bit halves),
 *    `virtio/started`, `virtio/packed_virtqueues`, `virtio/disabled`.
 *
 * Parts 1 and 2 are modelled here as pseudo-vmsds ("virtio-pci/config",
 * "virtio/header", "virtio/queue": names qber gives them, QEMU has none) so
 * the vocabulary's codecs read and write them; on the wire they are
 * exactly QEMU's hand-written puts. Whether MSI-X is present and how many
 * vectors it has are device configuration, not stream content, so the
 * descriptions are built for a given vector count.
 *
 * Bounds: queue_sel < 1024 and the queue count <= 1024 (QEMU refuses
 * larger), each queue's size <= 1024 (VIRTQUEUE_MAX_SIZE), device_endian
 * 1 (little) or 2 (big). A queue vector must be below the vector count or
 * 0xffff (no vector): a relation QEMU checks on load, not a JSON bound.
 */
import { array, bool, buffer, i32, struct, subsection, u16, u32, u64, u8, unused, vmsd, type VmStateObject } from "@qber/vmstate";
import type { TObject } from "typebox";
import { pciDeviceDescription } from "../pc/pci-device.js";

/** VIRTIO_QUEUE_MAX: queue slots of every virtio device. */
export const VIRTIO_QUEUE_MAX = 1024;
/** VIRTQUEUE_MAX_SIZE: largest ring. */
export const VIRTQUEUE_MAX_SIZE = 1024;
/** VIRTIO_NO_VECTOR. */
export const VIRTIO_NO_VECTOR = 0xffff;
/** PCI_MSIX_ENTRY_SIZE. */
export const MSIX_ENTRY_SIZE = 16;

/** Part 1: virtio-pci's transport config for a function with `vectors` MSI-X vectors (0 = no MSI-X). */
export function virtioPciConfigDescription(vectors: number) {
  const msix = vectors > 0;
  return vmsd(
    { name: "virtio-pci/config", version: 1, description: `virtio-pci transport config (${vectors} MSI-X vectors)` },
    {
      pci: struct(pciDeviceDescription),
      ...(msix
        ? {
            msix_table: buffer(vectors * MSIX_ENTRY_SIZE, { description: "MSI-X table: per vector address lo/hi, data, control (little-endian)" }),
            msix_pba: buffer(Math.ceil(vectors / 8), { description: "MSI-X pending bits" }),
            config_vector: u16({ description: "vector of configuration-change interrupts (0xffff = none)" }),
          }
        : {}),
    },
  );
}

/** One queue in the common header. */
export function virtioQueueDescription(msix: boolean) {
  return vmsd(
    { name: "virtio/queue", version: 1 },
    {
      num: u32({ maximum: VIRTQUEUE_MAX_SIZE, description: "ring size (entries)" }),
      desc: u64({ description: "descriptor table guest-physical address" }),
      last_avail_idx: u16(),
      ...(msix ? { vector: u16({ description: "MSI-X vector (0xffff = none)" }) } : {}),
    },
  );
}

/** Part 2: the common header; `maxConfig` bounds the device config length (the device's config struct size). */
export function virtioHeaderDescription(msix: boolean, maxConfig: number) {
  return vmsd(
    { name: "virtio/header", version: 1 },
    {
      status: u8({ description: "device status (ACKNOWLEDGE 1, DRIVER 2, DRIVER_OK 4, FEATURES_OK 8, NEEDS_RESET 0x40, FAILED 0x80)" }),
      isr: u8(),
      queue_sel: u16({ maximum: VIRTIO_QUEUE_MAX - 1 }),
      guest_features_lo: u32({ description: "guest feature bits 0..31" }),
      config_len: i32({ minimum: 0, maximum: maxConfig, description: "device config bytes that follow" }),
      config: buffer({ from: "config_len" }, { description: "device config space as the guest sees it" }),
      num_queues: u32({ maximum: VIRTIO_QUEUE_MAX, description: "queues in use (the first with size 0 ends the list)" }),
      queues: array(struct(virtioQueueDescription(msix)), { from: "num_queues" }),
    },
  );
}

const perQueue = (element: TObject) => array(struct(element), VIRTIO_QUEUE_MAX);

export const virtqueueStateDescription = vmsd({ name: "virtqueue_state", version: 1 }, { avail: u64(), used: u64() });
export const ringsizeStateDescription = vmsd({ name: "ringsize_state", version: 1 }, { num_default: u32({ maximum: VIRTQUEUE_MAX_SIZE }) });
export const packedVirtqueueStateDescription = vmsd(
  { name: "packed_virtqueue_state", version: 1 },
  {
    last_avail_idx: u16(),
    last_avail_wrap_counter: bool(),
    used_idx: u16(),
    used_wrap_counter: bool(),
    inuse: u32({ maximum: VIRTQUEUE_MAX_SIZE }),
  },
);

export const virtioPciModernQueueDescription = vmsd(
  { name: "virtio_pci/modern_queue_state", version: 1 },
  {
    num: u16({ maximum: VIRTQUEUE_MAX_SIZE }),
    unused: unused(1, { description: "the enable flag was once a be16" }),
    enabled: bool(),
    desc: array(u32(), 2, { description: "descriptor table address, low and high 32 bits" }),
    avail: array(u32(), 2),
    used: array(u32(), 2),
  },
);

/** virtio-pci's extra state (vmsd "virtio_pci" version 1: only a subsection). */
export const virtioPciExtraStateDescription = vmsd(
  { name: "virtio_pci", version: 1, description: "virtio-pci modern transport state (hw/virtio/virtio-pci.c)" },
  {
    modern_state: subsection(
      vmsd(
        { name: "virtio_pci/modern_state", version: 1 },
        {
          dfselect: u32({ description: "device feature select" }),
          gfselect: u32({ description: "guest feature select" }),
          guest_features: array(u32(), 2, { description: "guest feature bits 0..31 and 32..63 as written through the modern interface" }),
          vqs: perQueue(virtioPciModernQueueDescription),
        },
      ),
    ),
  },
);

/** Part 4: QEMU's vmsd "virtio" version 1: no fields, only subsections (extra state of virtio-pci). */
export const virtioCoreDescription = vmsd(
  { name: "virtio", version: 1, description: "virtio core subsections (hw/virtio/virtio.c)" },
  {
    device_endian: subsection(
      vmsd(
        { name: "virtio/device_endian", version: 1 },
        {
          device_endian: u8({ minimum: 1, maximum: 2, description: "1 little-endian, 2 big-endian" }),
        },
      ),
    ),
    features64: subsection(vmsd({ name: "virtio/64bit_features", version: 1 }, { guest_features: u64() })),
    virtqueues: subsection(vmsd({ name: "virtio/virtqueues", version: 1 }, { vq: perQueue(virtqueueStateDescription) })),
    ringsize: subsection(vmsd({ name: "virtio/ringsize", version: 1 }, { vq: perQueue(ringsizeStateDescription) })),
    broken: subsection(vmsd({ name: "virtio/broken", version: 1 }, { broken: bool() })),
    extra_state: subsection(vmsd({ name: "virtio/extra_state", version: 1 }, { extra_state: struct(virtioPciExtraStateDescription) })),
    started: subsection(vmsd({ name: "virtio/started", version: 1 }, { started: bool() })),
    packed_virtqueues: subsection(vmsd({ name: "virtio/packed_virtqueues", version: 1 }, { vq: perQueue(packedVirtqueueStateDescription) })),
    disabled: subsection(vmsd({ name: "virtio/disabled", version: 1 }, { disabled: bool() })),
  },
);

/** The guest feature bits 0..31 of a device vmsd sitting next to a header (for field-exists tests). */
export function guestFeaturesLo(state: VmStateObject): number {
  const header = state["header"] as { guest_features_lo?: unknown } | undefined;
  return typeof header?.guest_features_lo === "number" ? header.guest_features_lo : 0;
}
