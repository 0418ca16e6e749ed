/**
 * The two-pass jobs of the JSON form run inside the library: a decode whose
 * SecMins need their raw bytes, an encode whose definite lengths need a
 * measuring pass. Nothing is thrown for the caller to catch and retry; what
 * cannot be done is a typed error or a summary that says why.
 */
import { describe, expect, it } from "vitest";
import { type ByteSink, isQberError } from "@qber/core";
import type { Input } from "@qber/qemu/input";
import { type PassOutput, decodeToJson, decodeToJsonFile, encodeFromJson, encodeFromJsonFile } from "../src/json/index.js";

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));

/**
 * A streaming file whose only SecMin is indefinite around a definite (empty)
 * ramsec: valid BER that neither framing reproduces.
 */
const mixed = hex(`
  7fcdc551 80  020103  3080
    7f8153 80  020102  7fcc52 00  5fd345 00  0000
  0000 0000`);
/** The same file in the streaming form, and in DER. */
const streaming = hex("7fcdc551 80 020103 3080  7f8153 80 020102 7fcc52 80 0000 5fd345 00 0000  0000 0000");
const der = hex("7fcdc551 14 020103 300f  7f8153 0b 020102 7fcc52 00 5fd345 00");

const input = (bytes: Uint8Array): Input => ({ name: "test.ber", format: "ber", source: bytes, size: bytes.length });

/** An output held in memory; one that `discards` keeps nothing of a rejected pass. */
function memory(discards: boolean): { output: PassOutput; kept: Buffer[]; passes: () => number } {
  const kept: Buffer[] = [];
  let passes = 0;
  const output: PassOutput = {
    discards,
    async write<T>(pass: (sink: ByteSink) => Promise<T>): Promise<T> {
      passes++;
      const parts: Uint8Array[] = [];
      try {
        const r = await pass((c) => void parts.push(c.slice()));
        kept.push(Buffer.concat(parts));
        return r;
      } catch (e) {
        if (!discards) kept.push(Buffer.concat(parts));
        throw e;
      }
    },
  };
  return { output, kept, passes: () => passes };
}

async function text(bytes: Uint8Array): Promise<string> {
  const parts: Uint8Array[] = [];
  await decodeToJson(bytes, (c) => void parts.push(c.slice()));
  return Buffer.concat(parts).toString("utf8");
}

async function* of(s: string | Buffer): AsyncGenerator<Uint8Array> {
  yield new Uint8Array(Buffer.from(s));
}

describe("decode: SecMins that need their raw bytes", () => {
  it("decodeToJson names them in its summary instead of throwing", async () => {
    const summary = await decodeToJson(mixed, () => {});
    expect([...summary.needsRaw.keys()]).toEqual([0]);
    expect((await decodeToJson(streaming, () => {})).needsRaw.size).toBe(0);
  });

  it("decodeToJsonFile reads the input again and keeps only the exact JSON", async () => {
    const m = memory(true);
    const summary = await decodeToJsonFile(input(mixed), m.output, { reopen: async () => input(mixed) });
    expect(summary.inexact).toBeUndefined();
    expect(summary.raw).toBe(1);
    expect(m.passes()).toBe(2);
    expect(m.kept).toHaveLength(1);
    const json = JSON.parse(m.kept[0]!.toString("utf8"));
    expect(json.sections[0].raw.join("")).toBe(Buffer.from(mixed.subarray(10, mixed.length - 4)).toString("hex"));
    // ...and it encodes back to the very bytes.
    const back = memory(true);
    await encodeFromJsonFile(() => of(m.kept[0]!), back.output);
    expect(back.kept[0]!.toString("hex")).toBe(Buffer.from(mixed).toString("hex"));
  });

  it("says why not when the input cannot be read again, keeping nothing", async () => {
    const m = memory(true);
    const summary = await decodeToJsonFile(input(mixed), m.output);
    expect(summary.inexact).toEqual({ sections: [0], because: "input", written: false });
    expect(m.kept).toHaveLength(0);
  });

  it("says why not when the output cannot drop the first pass, which it has written", async () => {
    const m = memory(false);
    const summary = await decodeToJsonFile(input(mixed), m.output, { reopen: async () => input(mixed) });
    expect(summary.inexact).toEqual({ sections: [0], because: "output", written: true });
    expect(m.passes()).toBe(1);
    expect(m.kept).toHaveLength(1);
  });

  it("takes one pass when the JSON is exact", async () => {
    const m = memory(false);
    const summary = await decodeToJsonFile(input(streaming), m.output, { reopen: () => Promise.reject(new Error("not read twice")) });
    expect(summary).toMatchObject({ framing: "indefinite", sections: 1, raw: 0 });
    expect(summary.inexact).toBeUndefined();
    expect(m.passes()).toBe(1);
  });
});

describe("encode: definite lengths", () => {
  it("encodeFromJsonFile measures a DER file before writing anything, so any output does", async () => {
    const json = await text(der);
    const m = memory(false);
    expect(await encodeFromJsonFile(() => of(json), m.output)).toEqual({ sections: 1, framing: "definite" });
    expect(Buffer.concat(m.kept).toString("hex")).toBe(Buffer.from(der).toString("hex"));
  });

  it("a definite SecMin in a streaming file: the first pass is dropped on an output that can, refused on one that cannot", async () => {
    const json = (await text(streaming)).replace('"lengths": "indefinite"', '"lengths": "definite"');
    const expected = hex("7fcdc551 80 020103 3080  7f8153 0b 020102 7fcc52 00 5fd345 00  0000 0000");
    const m = memory(true);
    await encodeFromJsonFile(() => of(json), m.output);
    expect(m.kept.map((b) => b.toString("hex"))).toEqual([Buffer.from(expected).toString("hex")]);

    // Bytes must reach the output before the definite SecMin for the refusal: give it a SecFull first.
    const withFull = json.replace(
      '"sections": [',
      `"sections": [{"type":"full","name":"blob","id":"1","instance":"0","version":"1","contents":{"oldblob":"${"00".repeat(300_000)}"}},`,
    );
    const pipe = memory(false);
    const e = await encodeFromJsonFile(() => of(withFull), pipe.output, { validate: false }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isQberError(e, "QberEncodeError"), String(e)).toBe(true);
    expect((e as Error).message).toMatch(/need two passes/);
  });

  it("encodeFromJson without sizes refuses definite lengths with a typed error", async () => {
    const e = await encodeFromJson(of(await text(der)), () => {}).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isQberError(e, "QberEncodeError"), String(e)).toBe(true);
    expect((e as Error).message).toMatch(/measureJson/);
  });
});
