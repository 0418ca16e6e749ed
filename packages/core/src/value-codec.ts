/**
 * The value-level API: any schema type to bytes and back, all in memory.
 * Meant for tests, tools and small files; whole snapshots go through the
 * streaming section reader and writer.
 */
import { Cursor } from "./cursor.js";
import type { DecodeOptions } from "./limits.js";
import { schemaReaders } from "./schema-decoder.js";
import { type EncodeOptions, newEncoder, schemaWriters } from "./schema-encoder.js";
import type { SchemaTypeName, SchemaTypes } from "./types.js";

/** Encodes a value of schema type `type`: DER, or BER with indefinite lengths when streaming. */
export function encodeValue<K extends SchemaTypeName>(type: K, value: SchemaTypes[K], options: EncodeOptions = {}): Uint8Array {
  const e = newEncoder(options);
  schemaWriters[type](e, value);
  return e.w.view();
}

/** Bytes as a plain Uint8Array view (Node Buffers become views of the same memory). */
export function asBytes(input: Uint8Array): Uint8Array {
  return input.constructor === Uint8Array ? input : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
}

/**
 * Decodes one value of schema type `type` that fills `bytes` exactly.
 * Byte strings in the result are views into `bytes`.
 */
export function decodeValue<K extends SchemaTypeName>(type: K, bytes: Uint8Array, options: DecodeOptions = {}): SchemaTypes[K] {
  const buf = asBytes(bytes);
  const c = new Cursor(buf, 0, buf.length, 0, options);
  const value = schemaReaders[type](c);
  if (c.pos !== buf.length) c.fail(`${buf.length - c.pos} byte(s) of trailing data after the ${type}`);
  return value;
}
