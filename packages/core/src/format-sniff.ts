/**
 * Telling inputs apart by their first bytes, never by file name: a qber BER
 * file starts with the QemuFile tag, a QEMU migration stream with "QEVM".
 */

/** [APPLICATION 1270481], constructed: the first bytes of every qber BER file. */
export const BER_MAGIC: Uint8Array = Uint8Array.of(0x7f, 0xcd, 0xc5, 0x51);
/** "QEVM": the first bytes of a QEMU migration stream (file version follows). */
export const QEMU_MAGIC: Uint8Array = Uint8Array.of(0x51, 0x45, 0x56, 0x4d);

export type SnapshotFormat = "ber" | "qemu";

/** Whether `head` starts with `magic`. */
export function startsWith(head: Uint8Array, magic: Uint8Array): boolean {
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic[i]) return false;
  return true;
}

/** The format whose magic `head` starts with, or undefined. */
export function sniffFormat(head: Uint8Array): SnapshotFormat | undefined {
  if (startsWith(head, BER_MAGIC)) return "ber";
  if (startsWith(head, QEMU_MAGIC)) return "qemu";
  return undefined;
}
