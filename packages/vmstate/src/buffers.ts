/**
 * Vocabulary: byte buffers. All of them are `Uint8Array` in the API, one
 * `oldblob` entry in VMStateEntries (DESIGN §3) and a lowercase hex string in
 * JSON (hex rather than base64: device state is read by people, and register
 * bytes line up with the offsets they know).
 */
import Type, { type TUnsafe } from "typebox";
import { VMSTATE_KEYWORD, type BytesAnnotation, type Extent } from "./annotation.js";

export const HEX_PATTERN = "^(?:[0-9a-f]{2})*$";

function bytesSchema(annotation: BytesAnnotation, description?: string): TUnsafe<Uint8Array> {
  const fixed = typeof annotation.size === "number" ? annotation.size : undefined;
  const length = fixed === undefined ? {} : { minLength: 2 * fixed, maxLength: 2 * fixed };
  return Type.Unsafe<Uint8Array>({
    type: "string",
    pattern: HEX_PATTERN,
    ...length,
    ...(description === undefined ? {} : { description }),
    [VMSTATE_KEYWORD]: annotation,
  });
}

export interface BufferOptions {
  /** vmdesc type string; `buffer` unless QEMU uses its own info (`pci config`, ...). */
  readonly type?: string;
  readonly description?: string;
}

/** VMSTATE_BUFFER (fixed size) and VMSTATE_VBUFFER* (size from an earlier field, optionally multiplied). */
export function buffer(size: Extent, options: BufferOptions = {}): TUnsafe<Uint8Array> {
  return bytesSchema({ kind: "bytes", size, type: options.type ?? "buffer", elements: false }, options.description);
}

/** VMSTATE_UNUSED*: QEMU writes zeros and its loader skips them; kept so nothing is lost. */
export function unused(size: number, options: { readonly description?: string } = {}): TUnsafe<Uint8Array> {
  return bytesSchema({ kind: "bytes", size, type: "unused_buffer", elements: false, unused: true }, options.description);
}

/**
 * VMSTATE_UINT8_ARRAY / VARRAY of uint8: QEMU sees `count` one-byte elements
 * (vmdesc lists an array of `uint8`), qber keeps the bytes together.
 */
export function u8Array(count: Extent, options: { readonly description?: string } = {}): TUnsafe<Uint8Array> {
  return bytesSchema({ kind: "bytes", size: count, type: "uint8", elements: true }, options.description);
}

/**
 * VMSTATE_BITMAP: `bits` bits (constant or from an earlier field) sent as
 * ceil(bits/64) be64 words; kept as those wire bytes.
 */
export function bitmap(bits: number | string, options: { readonly description?: string } = {}): TUnsafe<Uint8Array> {
  const size: Extent = typeof bits === "number" ? Math.ceil(bits / 64) * 8 : { from: bits, unit: "bits" };
  return bytesSchema({ kind: "bytes", size, type: "bitmap", elements: false }, options.description);
}

/**
 * A field of a VMStateInfo this vocabulary does not model (`pci irq state`,
 * `virtio`, ...): `size` opaque bytes under QEMU's type name.
 */
export function opaque(type: string, size: Extent, options: { readonly description?: string } = {}): TUnsafe<Uint8Array> {
  return bytesSchema({ kind: "bytes", size, type, elements: false }, options.description);
}
