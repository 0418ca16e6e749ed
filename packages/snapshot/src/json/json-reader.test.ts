import { describe, expect, it } from "vitest";
import { JsonReader } from "./json-reader.js";

async function* chunks(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* parts;
}

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "utf8"));

async function objectOf(r: JsonReader): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  await r.beginObject();
  for (let k = await r.key(); k !== undefined; k = await r.key()) out[k] = await r.value();
  await r.end();
  return out;
}

describe("JsonReader text", () => {
  it("reads UTF-8 after ASCII chunks, a character split between two chunks", async () => {
    const bytes = utf8('{"a": "plain", "name": "čaj ☕"}');
    const cut = bytes.indexOf(0xe2) + 1; // inside the 3-byte ☕
    const r = new JsonReader(chunks(bytes.subarray(0, 10), bytes.subarray(10, cut), bytes.subarray(cut)));
    expect(await objectOf(r)).toEqual({ a: "plain", name: "čaj ☕" });
  });

  it("still refuses bytes that are not UTF-8 after ASCII chunks", async () => {
    const r = new JsonReader(chunks(utf8('{"a": "plain", '), new Uint8Array([0x22, 0x62, 0xff, 0x22, 0x3a, 0x31, 0x7d])));
    await expect(objectOf(r)).rejects.toThrow(/not UTF-8/);
  });

  it("reads Latin-1 lookalikes as UTF-8: bytes 0x80-0xff are never taken for characters", async () => {
    const r = new JsonReader(chunks(utf8('{"a": "'), new Uint8Array([0xc3, 0xa9]), utf8('"}')));
    expect(await objectOf(r)).toEqual({ a: "é" });
  });
});
