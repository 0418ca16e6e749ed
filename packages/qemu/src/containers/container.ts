/**
 * What the input layer found around the snapshot: the containers, outermost
 * first, each with what it says about itself.
 */
import type { Compression } from "./compression.js";
import type { LibvirtSave } from "./libvirt-save.js";
import type { MappedRamBlock } from "./mapped-ram.js";
import type { Qcow2Image, Qcow2Snapshot } from "./qcow2.js";

export type Container =
  /** A libvirt save image; the stream starts at `dataOffset` (compressed as its header says). */
  | { readonly kind: "libvirt-save"; readonly save: LibvirtSave; readonly dataOffset: number }
  /** A compressed stream; the compressed data starts at `dataOffset` of the enclosing input. */
  | { readonly kind: "compressed"; readonly compression: Compression; readonly dataOffset: number }
  /** A qcow2 image; the stream is `snapshot`'s VM state. */
  | { readonly kind: "qcow2"; readonly image: Qcow2Image; readonly snapshot: Qcow2Snapshot }
  /** A mapped-ram file (QEMU 9.0+, libvirt's sparse format), read as the ordinary stream it stands for. */
  | { readonly kind: "mapped-ram"; readonly blocks: readonly MappedRamBlock[] };

/** One line per container, for messages: where the inner stream comes from. */
export function describeContainers(containers: readonly Container[]): string {
  return containers
    .map((c) => {
      switch (c.kind) {
        case "libvirt-save":
          return `libvirt save image (${c.save.header.format}; stream at byte ${c.dataOffset})`;
        case "compressed":
          return `${c.compression}-compressed data (at byte ${c.dataOffset})`;
        case "qcow2":
          return `qcow2 snapshot ${c.snapshot.id} (${JSON.stringify(c.snapshot.tag)})`;
        case "mapped-ram":
          return `mapped-ram file (${c.blocks.length} RAM blocks)`;
      }
    })
    .join(" in ");
}

/**
 * Errors about a container itself (its header, its compressed data), whose
 * offsets are in the container's file; any other decode error while reading
 * an input with containers is about the inner stream.
 */
const containerErrors = new WeakSet<object>();

export function containerError<E extends Error>(e: E): E {
  containerErrors.add(e);
  return e;
}

export function isContainerError(e: unknown): boolean {
  return typeof e === "object" && e !== null && containerErrors.has(e);
}
