/**
 * Validation of states with ajv. Each description's JSON Schema (its TypeBox
 * schema, which describes the JSON form) is compiled once. ajv learns the
 * `x-vmstate` keyword so strict mode accepts it, and uses it to check what
 * JSON Schema cannot express: ranges and bounds of 64-bit integers (decimal
 * strings in JSON) and the `equal`/`le` rules on them.
 */
import { createRequire } from "node:module";
import type { Ajv as AjvInstance, ErrorObject, SchemaValidateFunction, ValidateFunction } from "ajv";

/**
 * ajv is loaded on first use: commands that only convert (import, export,
 * extract-ram) never validate, and ajv is a good part of their memory.
 */
const loadAjv = (): typeof AjvInstance => (createRequire(import.meta.url)("ajv") as { Ajv: typeof AjvInstance }).Ajv;
import type { Static, TObject } from "typebox";
import { VMSTATE_KEYWORD, type VmAnnotation } from "./annotation.js";
import { stateToJson } from "./json-form.js";
import { vmsdInfo } from "./vmsd.js";
import { intRange } from "./scalars.js";

/** An ajv error plus the device and the field (as `timer[2].period`) it is about. */
export interface VmStateValidationError extends ErrorObject {
  readonly device: string;
  readonly field: string;
  /** ajv's own message (`must be <= 7`); `message` is the full sentence. */
  readonly reason: string;
  /** `device: field must be <= 7`, naming device, field and bound. */
  readonly message: string;
}

type KeywordError = Partial<ErrorObject>;

const check64: SchemaValidateFunction = (annotation: VmAnnotation, data: unknown): boolean => {
  if (annotation.kind !== "int" || annotation.bits !== 64 || typeof data !== "string") return true;
  const errors: KeywordError[] = [];
  let v: bigint;
  try {
    v = BigInt(data);
  } catch {
    return true; // the pattern keyword reports the shape
  }
  const bound = (comparison: string, limit: bigint, label: string): void => {
    errors.push({
      keyword: VMSTATE_KEYWORD,
      params: { comparison, limit: limit.toString(), bound: label },
      message: `must be ${comparison} ${limit} (${label})`,
    });
  };
  const { min, max } = intRange(64, annotation.signed);
  if (v < min) bound(">=", min, annotation.type);
  if (v > max) bound("<=", max, annotation.type);
  if (annotation.minimum !== undefined && v < annotation.minimum) bound(">=", annotation.minimum, "minimum");
  if (annotation.maximum !== undefined && v > annotation.maximum) bound("<=", annotation.maximum, "maximum");
  if (annotation.equal !== undefined && v !== annotation.equal) bound("==", annotation.equal, "equal");
  if (annotation.le && v < 0n) bound(">=", 0n, "le");
  check64.errors = errors;
  return errors.length === 0;
};

/**
 * An ajv instance (strict mode) that knows the `x-vmstate` keyword. ajv's
 * pass that tidies generated code is off: a command validates each device
 * once, and the pass took half of compiling (`qber validate` of pc-addons:
 * 0.70 s -> 0.60 s).
 */
export function createAjv(): AjvInstance {
  const Ajv = loadAjv();
  const ajv = new Ajv({ strict: true, allErrors: true, code: { optimize: false } });
  ajv.addKeyword({ keyword: VMSTATE_KEYWORD, schemaType: "object", errors: true, validate: check64 });
  return ajv;
}

let shared: AjvInstance | undefined;
const compiled = new WeakMap<TObject, ValidateFunction>();

function validatorFor(description: TObject): ValidateFunction {
  let v = compiled.get(description);
  if (v === undefined) {
    shared ??= createAjv();
    v = shared.compile(description);
    compiled.set(description, v);
  }
  return v;
}

/** `/timer/2/period` -> `timer[2].period` (JSON pointer escapes undone). */
export function fieldPath(pointer: string, missing?: string): string {
  const parts =
    pointer === ""
      ? []
      : pointer
          .slice(1)
          .split("/")
          .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (missing !== undefined) parts.push(missing);
  let out = "";
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === "" ? p : `.${p}`;
  return out;
}

function explain(device: string, e: ErrorObject): VmStateValidationError {
  const missing = e.keyword === "required" ? String((e.params as { missingProperty?: unknown }).missingProperty) : undefined;
  const field = fieldPath(e.instancePath, missing);
  const reason = e.message ?? e.keyword;
  const where = field === "" ? "" : ` field ${field}`;
  const suffix = missing !== undefined ? "" : ` ${reason}`;
  return { ...e, device, field, reason, message: `${device}:${where}${missing !== undefined ? " is missing" : suffix}` };
}

/** Validates a state's JSON form; returns no errors when it is valid. */
export function validateJson(description: TObject, json: unknown, device = vmsdInfo(description).name): readonly VmStateValidationError[] {
  const validate = validatorFor(description);
  if (validate(json)) return [];
  return (validate.errors ?? []).map((e) => explain(device, e));
}

/** Validates a state (API form): converted to its JSON form, then checked. */
export function validateState<S extends TObject>(description: S, state: Static<S>, device?: string): readonly VmStateValidationError[] {
  return validateJson(description, stateToJson(description, state), device);
}
