/**
 * Test helper: fast-check arbitraries for states of any description, built
 * from the compiled model (counts and sizes taken from other fields are
 * generated small, and generated before the fields that use them).
 */
import fc from "fast-check";
import { type ElementModel, type FieldModel, type VmsdModel, compileVmsd } from "@qber/vmstate";
import type { TObject } from "typebox";

type Obj = Record<string, unknown>;
type Extent = NonNullable<FieldModel["count"]>;

/** The values of an integer of `bits` bits. */
function intRange(bits: number, signed: boolean): { min: bigint; max: bigint } {
  const b = BigInt(bits);
  return signed ? { min: -(1n << (b - 1n)), max: (1n << (b - 1n)) - 1n } : { min: 0n, max: (1n << b) - 1n };
}

function countKeys(model: VmsdModel, out = new Set<string>()): Set<string> {
  const add = (e: Extent | undefined): void => {
    if (e !== undefined && typeof e !== "number") out.add(e.from);
  };
  for (const f of model.fields) {
    add(f.count);
    if (f.element.kind === "bytes") add(f.element.size);
    for (const e of f.elements ?? [f.element]) if (e.kind === "struct") countKeys(e.model, out);
  }
  for (const s of model.subsections) countKeys(s.model, out);
  return out;
}

function extent(e: Extent, scope: readonly Obj[]): number {
  if (typeof e === "number") return e;
  const holder = scope.find((o) => Object.hasOwn(o, e.from));
  let n = Number(holder?.[e.from] ?? 0);
  if (e.unit === "bits") n = Math.ceil(n / 64) * 8;
  return n * (e.multiply ?? 1);
}

function element(e: ElementModel, scope: readonly Obj[], small: boolean, counts: Set<string>): fc.Arbitrary<unknown> {
  switch (e.kind) {
    case "int": {
      if (e.equal !== undefined) return fc.constant(e.bits === 64 ? e.equal : Number(e.equal));
      const { min, max } = intRange(e.bits, e.signed);
      const lo = e.le || small ? 0n : min;
      const hi = small ? (lo + 5n < max ? lo + 5n : max) : max;
      if (e.bits === 64) return fc.bigInt({ min: lo, max: hi });
      return fc.integer({ min: Number(lo), max: Number(hi) });
    }
    case "bool":
      return fc.boolean();
    case "bytes": {
      const n = extent(e.size, scope);
      return e.unused ? fc.constant(new Uint8Array(n)) : fc.uint8Array({ minLength: n, maxLength: n });
    }
    case "struct":
      return vmsd(e.model, e.embed === "vstruct" ? (e.structVersion ?? e.model.info.version) : e.model.info.version, [], counts);
  }
}

function field(f: FieldModel, scope: readonly Obj[], counts: Set<string>): fc.Arbitrary<unknown> {
  const small = counts.has(f.key);
  if (f.element.kind === "bytes" && f.element.elements) {
    const n = extent(f.count ?? f.element.size, scope);
    return fc.uint8Array({ minLength: n, maxLength: n });
  }
  if (f.count === undefined) return element(f.element, scope, small, counts);
  const n = extent(f.count, scope);
  return fc.tuple(...Array.from({ length: n }, (_, i) => element(f.elements?.[i] ?? f.element, scope, small, counts)));
}

function vmsd(model: VmsdModel, version: number, parents: readonly Obj[], counts: Set<string>): fc.Arbitrary<Obj> {
  let arb: fc.Arbitrary<Obj> = fc.constant({});
  for (const f of model.fields) {
    arb = arb.chain((obj) => {
      const present = f.exists ? f.exists(obj, version, parents[0]) : f.since <= version;
      if (!present) return fc.constant(obj);
      return field(f, [obj, ...parents], counts).map((v) => ({ ...obj, [f.key]: v }));
    });
  }
  for (const s of model.subsections) {
    arb = arb.chain((obj) =>
      fc
        .option(vmsd(s.model, s.model.info.version, [obj, ...parents], counts), { nil: undefined })
        .map((v) => (v === undefined ? obj : { ...obj, [s.key]: v })),
    );
  }
  return arb;
}

/** States of `description` at `version` (default: its own). */
export function arbitraryState(description: TObject, version?: number): fc.Arbitrary<Obj> {
  const model = compileVmsd(description);
  return vmsd(model, version ?? model.info.version, [], countKeys(model));
}
