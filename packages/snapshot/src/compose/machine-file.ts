/**
 * The machine description `qber compose` reads (docs/compose.md): a machine
 * type, RAM contents, and overrides of device and CPU state. Its JSON Schema
 * is checked with ajv before anything is written.
 */
import { QberEncodeError } from "@qber/core";
import { createAjv } from "@qber/vmstate";
import Type, { type Static } from "typebox";

const address = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: "^(0x[0-9a-fA-F]+|[0-9]+)$" })], {
  description: "a byte address: an integer, or a decimal or 0x-hex string",
});
const size = Type.Union([Type.Integer({ minimum: 4096 }), Type.String({ pattern: "^[0-9]+([KMG]i?B?)?$" })], {
  description: "a size in bytes, or with a K, M or G suffix (powers of 1024)",
});

export const machineFileSchema = Type.Object(
  {
    machine: Type.Union([Type.Literal("pc"), Type.Literal("q35")], { description: "the QEMU 7.2 machine: -M pc or -M q35, with -nodefaults" }),
    memory: size,
    load: Type.Optional(
      Type.Array(
        Type.Object(
          {
            addr: address,
            file: Type.Optional(Type.String({ minLength: 1, description: "a file whose bytes are loaded at addr (relative to the description)" })),
            hex: Type.Optional(Type.String({ pattern: "^([0-9a-fA-F]{2})*$", description: "bytes given inline" })),
          },
          { additionalProperties: false },
        ),
        { description: "contents put into guest RAM (pc.ram) at guest-physical addresses below the memory size" },
      ),
    ),
    ram: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), {
        description: "whole RAM blocks from raw image files, by block name (e.g. pc.bios), each at most the block's length (the rest is zeros)",
      }),
    ),
    entry: Type.Optional(address),
    cpu: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: "overrides of CPU 0's state (the `cpu` section), in the JSON form of `qber schema cpu`" }),
    ),
    devices: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.Record(Type.String(), Type.Unknown()), {
        description:
          "overrides of device state by address, in each device's JSON form: NAME (an idstr or vmsd name that has one instance), NAME#N (instance N) or NAME#* (every instance)",
      }),
    ),
    now: Type.Optional(Type.String({ format: "date-time", description: "the RTC's time at power-on (default 2000-01-01T00:00:00Z)" })),
  },
  { additionalProperties: false },
);

export type MachineFile = Static<typeof machineFileSchema>;

/** One problem of a machine description, with its JSON path. */
export interface MachineFileProblem {
  readonly path: string;
  readonly message: string;
}

let validator: ReturnType<ReturnType<typeof createAjv>["compile"]> | undefined;

export function checkMachineFile(json: unknown): MachineFileProblem[] {
  if (!validator) {
    const ajv = createAjv();
    ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
    validator = ajv.compile(machineFileSchema);
  }
  if (validator(json)) return [];
  return (validator.errors ?? []).map((e) => ({ path: e.instancePath || "/", message: e.message ?? "invalid" }));
}

export function parseAddress(v: number | string): number {
  const n = typeof v === "number" ? v : Number(v.startsWith("0x") || v.startsWith("0X") ? Number.parseInt(v.slice(2), 16) : Number.parseInt(v, 10));
  if (!Number.isSafeInteger(n) || n < 0) throw new QberEncodeError(`compose: bad address ${String(v)}`, { expected: "a non-negative safe integer" });
  return n;
}

export function parseSize(v: number | string): number {
  if (typeof v === "number") return v;
  const m = /^([0-9]+)([KMG]?)/.exec(v);
  if (!m) throw new QberEncodeError(`compose: bad size ${v}`, { expected: "a number of bytes, with K, M or G" });
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as "" | "K" | "M" | "G"];
  return Number(m[1]) * unit;
}
