/** The fuzz targets and how failures are named: light, so the campaign's main thread loads nothing else. */

export const TARGETS = ["ber", "qemu", "json", "libvirt", "qcow2", "compressed", "mapped-ram"] as const;
/** The container targets (tools/fuzz/containers.ts). */
export const CONTAINER_TARGETS = ["libvirt", "qcow2", "compressed", "mapped-ram"] as const;
export type Target = (typeof TARGETS)[number];

export const TARGET_DESCRIPTIONS: Readonly<Record<Target, string>> = {
  ber: "BER reader: readSections with the devices registry, every page consumed",
  qemu: "QEMU-stream importer: importQemuStream into discardSink",
  json: "JSON form encode: encodeFromJsonFile (one pass, or measureJson and a second when definite lengths need it)",
  libvirt: "libvirt save image header and metadata: openStream, the inner stream drained",
  qcow2: "qcow2 header, snapshot table and L1/L2 tables: readQcow2, every snapshot's VM state drained",
  compressed: "gzip/bzip2/xz/lzop/zstd streams: openStream (the programs, zlib for gzip), drained",
  "mapped-ram": "mapped-ram files (block headers, bitmaps): readMappedRam, the stream it stands for drained",
};

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `non-Error thrown: ${String(e)}`;
}

/** Groups failures: error class and message with numbers blanked, and the throwing frame. */
export function signature(e: unknown): string {
  if (!(e instanceof Error)) return `non-Error ${typeof e}`;
  const frame = (e.stack ?? "").split("\n").find((l) => l.trim().startsWith("at ")) ?? "";
  return `${e.name}: ${e.message.replace(/\d+/g, "N").slice(0, 120)} ${frame.trim().replace(/:\d+:\d+\)?$/, "")}`;
}

export function reproduceCommand(target: Target, seed: number, index: number): string {
  return `npm run fuzz -- --target ${target} --seed ${seed} --index ${index}`;
}
