/**
 * Fuzz regression (tools/fuzz, target json, inputs over the 1 s limit): a
 * value longer than the chunks the text arrives in was re-buffered once per
 * chunk (quadratic): a 1.2 MB value in 512-byte chunks took ~0.8 s, and a
 * value of some MB from a pipe took minutes. The reader now gathers enough
 * chunks to double what it holds.
 */
import { describe, expect, it } from "vitest";
import { JsonReader } from "../../src/json/json-reader.js";

function* pieces(text: string, size: number): Generator<Uint8Array> {
  const bytes = Buffer.from(text, "utf8");
  for (let at = 0; at < bytes.length; at += size) yield new Uint8Array(bytes.subarray(at, at + size));
}

async function* source(text: string, size: number): AsyncGenerator<Uint8Array> {
  yield* pieces(text, size);
}

describe("regression: JsonReader and values spanning many chunks", () => {
  it("reads a 4 MB string in 64-byte chunks in linear time", async () => {
    const long = "ab".repeat(2 * 1024 * 1024);
    const r = new JsonReader(source(`{"k": "${long}", "n": [1, 2]}`, 64));
    const t0 = performance.now();
    await r.beginObject();
    expect(await r.key()).toBe("k");
    expect(await r.value()).toBe(long);
    expect(await r.key()).toBe("n");
    expect(await r.value()).toEqual([1, 2]);
    expect(await r.key()).toBeUndefined();
    await r.end();
    // Quadratic re-buffering took tens of seconds here.
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it("keeps positions and multi-byte characters right across gathered chunks", async () => {
    const text = `{"a": "${"é".repeat(5000)}", "b": "\\u00e9\\\\", "c": [${"1,".repeat(3000)}2]}`;
    for (const size of [1, 3, 7, 1000]) {
      const r = new JsonReader(source(text, size));
      await r.beginObject();
      expect(await r.key()).toBe("a");
      expect(await r.value()).toBe("é".repeat(5000));
      expect(await r.key()).toBe("b");
      expect(await r.value()).toBe("é\\");
      expect(await r.key()).toBe("c");
      expect(((await r.value()) as number[]).length).toBe(3001);
      expect(await r.key()).toBeUndefined();
      await r.end();
    }
  });

  it("reports invalid UTF-8 met while gathering chunks as a JsonSyntaxError", async () => {
    const bad = Buffer.concat([Buffer.from(`{"k": "${"x".repeat(300)}`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    async function* src(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < bad.length; at += 16) yield new Uint8Array(bad.subarray(at, at + 16));
    }
    const r = new JsonReader(src());
    await r.beginObject();
    await r.key();
    await expect(r.value()).rejects.toMatchObject({ name: "JsonSyntaxError" });
  });
});
