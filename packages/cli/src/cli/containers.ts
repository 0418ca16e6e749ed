/**
 * What the commands show about an input's containers (libvirt save image,
 * compression, qcow2 snapshot): a few text lines, and a JSON form that
 * carries the libvirt XML and cookie whole.
 */
import { type Container, type Qcow2Image, snapshotRow } from "@qber/qemu/containers";
import { table } from "./table.js";

function mib(bytes: number | undefined): string {
  return bytes === undefined ? "?" : `${bytes / (1 << 20)} MiB`;
}

/** One or two lines per container, for the text output. */
export function containersText(containers: readonly Container[]): string {
  let out = "";
  for (const c of containers) {
    switch (c.kind) {
      case "libvirt-save": {
        const { header: h, domain: d } = c.save;
        out += `libvirt save image: format ${h.format}, was_running ${h.wasRunning ? 1 : 0}, version ${h.version}, ${h.littleEndian ? "little" : "big"}-endian, ${h.dataLen} bytes of metadata, stream at byte ${c.dataOffset}\n`;
        out += `domain: name ${d.name ?? "?"}, uuid ${d.uuid ?? "?"}, machine ${d.machine ?? "?"}, memory ${mib(d.memory)}, vcpus ${d.vcpus ?? "?"}\n`;
        break;
      }
      case "compressed":
        out += `${c.compression}-compressed stream\n`;
        break;
      case "qcow2":
        out += `qcow2 snapshot: ${table([["ID", "TAG", "VM SIZE", "DATE", "VM CLOCK"], snapshotRow(c.snapshot)]).split("\n")[1]}\n`;
        break;
      case "mapped-ram":
        out += `mapped-ram file: ${c.blocks.map((b) => `${b.name} (${b.length} bytes, pages at ${b.pagesOffset})`).join(", ")}\n`;
        break;
    }
  }
  return out === "" ? "" : `${out}\n`;
}

/** The JSON form of the containers (docs/cli.md). */
export function containersJson(containers: readonly Container[]): unknown[] {
  return containers.map((c) => {
    switch (c.kind) {
      case "libvirt-save": {
        const { header: h } = c.save;
        return {
          kind: c.kind,
          format: h.format,
          wasRunning: h.wasRunning,
          version: h.version,
          littleEndian: h.littleEndian,
          dataLen: h.dataLen,
          cookieOffset: h.cookieOffset,
          dataOffset: c.dataOffset,
          domain: c.save.domain,
          xml: c.save.xml,
          cookie: c.save.cookie ?? null,
        };
      }
      case "compressed":
        return { kind: c.kind, compression: c.compression };
      case "qcow2":
        return { kind: c.kind, version: c.image.version, clusterBits: c.image.clusterBits, size: c.image.size, snapshot: snapshotJson(c.snapshot) };
      case "mapped-ram":
        return { kind: c.kind, blocks: c.blocks };
    }
  });
}

function snapshotJson(s: Qcow2Image["snapshots"][number]): unknown {
  return {
    id: s.id,
    tag: s.tag,
    vmStateSize: s.vmStateSize,
    date: new Date(s.dateSec * 1000 + Math.floor(s.dateNsec / 1e6)).toISOString(),
    vmClockNsec: s.vmClockNsec.toString(),
    diskSize: s.diskSize,
    icount: s.icount === undefined ? null : s.icount.toString(),
  };
}

/** `qemu-img snapshot -l`'s table for a qcow2 image. */
export function snapshotsText(path: string, image: Qcow2Image): string {
  const rows = [["ID", "TAG", "VM SIZE", "DATE", "VM CLOCK"], ...image.snapshots.map(snapshotRow)];
  return `Snapshot list of ${path} (qcow2 version ${image.version}, ${image.snapshots.length} snapshot${image.snapshots.length === 1 ? "" : "s"}):\n${table(rows)}`;
}

export function snapshotsJson(image: Qcow2Image): unknown {
  return { kind: "qcow2", version: image.version, clusterBits: image.clusterBits, size: image.size, snapshots: image.snapshots.map(snapshotJson) };
}
