/** The fuzz targets and how failures are named: light, so the campaign's main thread loads nothing else. */

export const TARGETS = ["ber", "qemu", "json"] as const;
export type Target = (typeof TARGETS)[number];

export const TARGET_DESCRIPTIONS: Readonly<Record<Target, string>> = {
  ber: "BER reader: readSections with the devices registry, every page consumed",
  qemu: "QEMU-stream importer: importQemuStream into discardSink",
  json: "JSON form encode: encodeFromJsonFile (one pass, or measureJson and a second when definite lengths need it)",
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
