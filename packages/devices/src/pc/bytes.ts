/**
 * Small helpers for writing power-on defaults: byte buffers given as a hex
 * prefix padded with zeros (PCI config space, CMOS, FIFOs are mostly zero).
 */

/** `length` bytes: the bytes of `hex` (whitespace ignored), then zeros. */
export function bytesOf(length: number, hex = ""): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || clean.length / 2 > length || !/^[0-9a-f]*$/i.test(clean)) {
    throw new RangeError(`bytesOf(${length}): bad hex prefix`);
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < clean.length / 2; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `length` zero bytes. */
export const zeros = (length: number): Uint8Array => new Uint8Array(length);

/** A fresh array of `length` copies of `value` made by `make` (objects are not shared). */
export function repeat<T>(length: number, make: (index: number) => T): T[] {
  return Array.from({ length }, (_, i) => make(i));
}
