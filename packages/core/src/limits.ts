/**
 * Bounds on what a decoder accepts from untrusted input. Every bound is
 * checked before the memory it would cost is allocated.
 */
export interface DecodeLimits {
  /** Deepest nesting of constructed values. */
  readonly maxDepth: number;
  /** Largest content length of one primitive value, in bytes. */
  readonly maxElementLength: number;
  /** Most elements in one SEQUENCE OF. */
  readonly maxElementCount: number;
  /** Largest section held in memory whole (every SecFull is), in bytes. */
  readonly maxSectionLength: number;
}

export const defaultDecodeLimits: DecodeLimits = Object.freeze({
  maxDepth: 64,
  maxElementLength: 64 * 1024 * 1024,
  maxElementCount: 16 * 1024 * 1024,
  maxSectionLength: 256 * 1024 * 1024,
});

export interface DecodeOptions {
  /** Reject encodings that are valid BER but not DER primitives. */
  readonly strict?: boolean;
  readonly limits?: Partial<DecodeLimits>;
}

export function resolveLimits(limits: Partial<DecodeLimits> | undefined): DecodeLimits {
  return limits === undefined ? defaultDecodeLimits : { ...defaultDecodeLimits, ...limits };
}
