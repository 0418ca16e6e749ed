/**
 * What "a prefix is rejected as incomplete" means, shared by the sampled
 * sweep in CI (prefixes.test.ts) and the exhaustive campaign
 * (all-prefixes.ts): a QEMU stream prefix is imported as the qber command
 * imports it, with the device models; a BER prefix is read to its last page.
 */
import { type Registry, createRegistry, discardSink, readSections } from "@qber/core";
import { importQemuStream } from "@qber/qemu";
import { devicesRegistry } from "@qber/devices";
import { ramPlugin } from "@qber/ram";

/** The plugins the qber command uses. */
export const commandRegistry: Registry = createRegistry(devicesRegistry, ramPlugin);

export type PrefixFormat = "qemu" | "ber";

export async function collect(write: (sink: (c: Uint8Array) => void) => Promise<unknown>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await write((c) => void chunks.push(c.slice()));
  return Buffer.concat(chunks);
}

/** The stream's BER import. */
export const berOf = (mig: Uint8Array): Promise<Buffer> => collect((sink) => importQemuStream([mig], sink));

/** Reads a BER file through every section and page; `onSection` sees each section's offset. */
export async function readBerFully(ber: Uint8Array, onSection?: (offset: number) => void): Promise<void> {
  for await (const s of readSections([ber])) {
    onSection?.(s.offset);
    if (s.kind === "min") for await (const b of s.blocks) for await (const _ of b.pages) void _;
  }
}

/**
 * The offset of a stream's EOF record: the vmdesc record (0x06, be32
 * length) ends the file and the EOF byte is just before it. The prefix that
 * ends there is a complete stream (QEMU loads it; the vmdesc is optional).
 */
export function eofRecordAt(mig: Uint8Array): number {
  for (let p = mig.length - 6; p >= 0; p--) {
    if (mig[p] === 0x06 && p + 5 + ((mig[p + 1]! << 24) | (mig[p + 2]! << 16) | (mig[p + 3]! << 8) | mig[p + 4]!) === mig.length) return p;
  }
  return -1;
}

/** What reading the first `length` bytes throws (undefined when it is accepted). */
export async function prefixFailure(format: PrefixFormat, bytes: Uint8Array, length: number): Promise<unknown> {
  try {
    if (format === "qemu") await importQemuStream([bytes.subarray(0, length)], discardSink, { registry: commandRegistry });
    else await readBerFully(bytes.subarray(0, length));
    return undefined;
  } catch (e) {
    return e;
  }
}

/** A QberDecodeError that says the input ended early. */
export function isIncomplete(e: unknown): boolean {
  return e instanceof Error && e.name === "QberDecodeError" && (e as { incomplete?: unknown }).incomplete === true;
}
