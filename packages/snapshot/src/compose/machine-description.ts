/**
 * The machine description composeMachine takes: the JSON description of
 * docs/compose.md (MachineFile), widened for programs: RAM contents as bytes,
 * streams, generators or RamSources besides file names, and device
 * overrides typed by their plugins (deviceOverride).
 */
import type { RamSource } from "@qber/ram";
import type { DeviceOverride } from "./device-override.js";

/** A byte address: an integer, or a decimal or 0x-hex string. */
export type Address = number | string;

/** Bytes read once, in order: a Node stream, an async generator, a generator, an array of chunks. */
export type ByteChunks = Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** Bytes put into guest RAM (pc.ram) at a guest-physical address: exactly one of file, hex and bytes. */
export type LoadSpec =
  | { readonly addr: Address; readonly file: string }
  | { readonly addr: Address; readonly hex: string }
  | { readonly addr: Address; readonly bytes: Uint8Array | ByteChunks };

/**
 * A whole RAM block's contents: a file name (read in pages), bytes, chunks
 * of bytes (at most the block's length; the rest is zeros), or a RamSource
 * of exactly the block's name and length (`bufferRamSource`,
 * `fileRamSource`, `generatedRamSource` of @qber/ram; the caller closes it).
 */
export type RamContent = string | Uint8Array | ByteChunks | RamSource;

/** Overrides of one device in its JSON form (`qber schema DEVICE`). */
export type JsonOverride = { readonly [field: string]: unknown };

export interface MachineDescription {
  /** The QEMU 7.2 machine: `-M pc` or `-M q35`, with `-nodefaults`. */
  readonly machine: "pc" | "q35";
  /** Guest RAM: bytes, or with a K, M or G suffix (`"32M"`). */
  readonly memory: number | string;
  /** Contents put into pc.ram, in order (later over earlier). */
  readonly load?: readonly LoadSpec[];
  /** Whole RAM blocks by name (e.g. `pc.bios`); `load` goes over `pc.ram`'s. */
  readonly ram?: { readonly [block: string]: RamContent };
  /** Start CPU 0 here, in real mode with CS=0. */
  readonly entry?: Address;
  /** Overrides of CPU 0's state (the `cpu` section). */
  readonly cpu?: JsonOverride | DeviceOverride;
  /** Overrides by address: `NAME` (an idstr or vmsd name with one instance), `NAME#N`, `NAME#*`. */
  readonly devices?: { readonly [address: string]: JsonOverride | DeviceOverride };
  /** The RTC's time at power-on (default 2000-01-01T00:00:00Z). */
  readonly now?: string | Date;
}
