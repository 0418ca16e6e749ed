/**
 * The errors qber throws on bad input and unwritable values. Each carries
 * what is wrong (`reason`) apart from where (`offset`, `path`), so nobody
 * needs to take a message apart. `isQberError` tells them apart by `name`,
 * which survives two copies of this package being loaded at once;
 * `instanceof QberError` works within one copy.
 */

/** A position in a schema value: component names and list indices. */
export type SchemaPath = readonly (string | number)[];

/** Renders a path as `top[3].full.contents.vmstate[12]`. */
export function formatPath(path: SchemaPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

export type QberErrorName = "QberDecodeError" | "QberLimitError" | "QberEncodeError";

interface QberErrorInit {
  /** Byte offset in the input where the problem is, when reading. */
  readonly offset?: number;
  readonly path?: SchemaPath;
  /** What the reader or writer expected to find there. */
  readonly expected?: string;
  readonly cause?: unknown;
}

/** The base of every qber error. */
export abstract class QberError extends Error {
  abstract override readonly name: QberErrorName;
  /**
   * What is wrong, with what was expected: the message without the
   * "at byte N in PATH" that ends it.
   */
  readonly reason: string;
  /** Byte offset in the input where the problem is, when reading (and known). */
  readonly offset: number | undefined;
  /** Where in the schema value, as `top[3].full.contents` ("" when not known). */
  readonly path: string;
  /** What the reader or writer expected to find there, when it says. */
  readonly expected: string | undefined;

  protected constructor(reason: string, init: QberErrorInit) {
    const path = init.path ? formatPath(init.path) : "";
    const where = [init.offset === undefined ? "" : `at byte ${init.offset}`, path === "" ? "" : `in ${path}`].filter((s) => s !== "").join(" ");
    const what = `${reason}${init.expected === undefined ? "" : ` (expected ${init.expected})`}`;
    super(`${what}${where === "" ? "" : ` ${where}`}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.reason = what;
    this.offset = init.offset;
    this.path = path;
    this.expected = init.expected;
  }
}

/**
 * The input is not a valid encoding. `incomplete` is true when the input
 * ended before the value did: a truncated file, not a corrupt one.
 */
export class QberDecodeError extends QberError {
  override readonly name = "QberDecodeError" as const;
  readonly incomplete: boolean;
  /** `reason` starts with "truncated input: " when `incomplete`. */
  constructor(reason: string, init: QberErrorInit & { readonly incomplete?: boolean }) {
    super(init.incomplete ? `truncated input: ${reason}` : reason, init);
    this.incomplete = init.incomplete ?? false;
  }
}

/** The input is larger or deeper than a configured decode limit allows. */
export class QberLimitError extends QberError {
  override readonly name = "QberLimitError" as const;
  readonly limit: string;
  readonly actual: number;
  readonly max: number;
  constructor(limit: string, actual: number, max: number, init: QberErrorInit) {
    super(`${limit} ${actual} exceeds the limit of ${max}`, init);
    this.limit = limit;
    this.actual = actual;
    this.max = max;
  }
}

/** A value cannot be written: it does not fit the schema. */
export class QberEncodeError extends QberError {
  override readonly name = "QberEncodeError" as const;
  constructor(reason: string, init: QberErrorInit = {}) {
    super(reason, init);
  }
}

export type AnyQberError = QberDecodeError | QberLimitError | QberEncodeError;

/** True for any error thrown by qber, optionally of one kind. */
export function isQberError(error: unknown, name: "QberDecodeError"): error is QberDecodeError;
export function isQberError(error: unknown, name: "QberLimitError"): error is QberLimitError;
export function isQberError(error: unknown, name: "QberEncodeError"): error is QberEncodeError;
export function isQberError(error: unknown, name?: QberErrorName): error is AnyQberError;
export function isQberError(error: unknown, name?: QberErrorName): error is AnyQberError {
  if (typeof error !== "object" || error === null) return false;
  const n = (error as { name?: unknown }).name;
  if (name !== undefined) return n === name;
  return n === "QberDecodeError" || n === "QberLimitError" || n === "QberEncodeError";
}
