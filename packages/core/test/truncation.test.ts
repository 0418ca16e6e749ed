/**
 * Every proper prefix of an encoding is rejected as incomplete (a truncated
 * file), never as corrupt, by both decoders.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readQemuFile } from "../src/section-reader.js";
import type { QemuFile } from "../src/types.js";
import { decodeValue, encodeValue } from "../src/value-codec.js";
import { qemuFile } from "./arbitraries.js";

const page = new Uint8Array(4096).map((_, i) => i * 7);
const handMade: QemuFile = {
  version: 3n,
  top: [
    {
      kind: "full",
      name: "ram",
      sectionId: 2n,
      instanceId: 0n,
      versionId: 4n,
      contents: { kind: "ramblid", value: { totalram: 1n << 25n, blocks: [{ name: "pc.ram", len: 1n << 25n }] } },
    },
    {
      kind: "min",
      sectionId: 2n,
      contents: {
        kind: "ramsec",
        value: [
          {
            name: "pc.ram",
            pages: [
              { kind: "compr", addr: 0n },
              { kind: "fullpage", addr: 4096n, data: page },
              { kind: "xbzrle", addr: 8192n, data: Uint8Array.of(0, 2, 1, 2) },
              { kind: "hook" },
            ],
          },
          { name: "pc.bios", pages: [] },
        ],
      },
    },
    {
      kind: "full",
      name: "0000:00:01.1/ide",
      sectionId: 28n,
      instanceId: 0n,
      versionId: 3n,
      contents: {
        kind: "vmstate",
        value: [
          { kind: "int", value: -(2n ** 63n) },
          { kind: "array", value: [{ kind: "bool", value: false }] },
          { kind: "subsecl", value: [{ name: "ide/x", versionId: 1n, contents: [{ kind: "oldblob", value: new Uint8Array(300) }] }] },
        ],
      },
    },
  ],
};

const values: QemuFile[] = [handMade, { version: 3n, top: [] }, ...fc.sample(qemuFile, { numRuns: 12, seed: 2026 })];

async function rejection(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("truncation sweep", () => {
  for (const streaming of [false, true]) {
    it(`rejects every proper prefix as incomplete (${streaming ? "streaming" : "DER"} encodings)`, async () => {
      let prefixes = 0;
      for (const v of values) {
        const bytes = encodeValue("QemuFile", v, { streaming });
        for (let cut = 0; cut < bytes.length; cut++) {
          const prefix = bytes.subarray(0, cut);
          const a = await rejection(() => decodeValue("QemuFile", prefix));
          expect(a, `value decoder, cut at ${cut} of ${bytes.length}`).toMatchObject({ name: "QberDecodeError", incomplete: true });
          // The streaming reader sees the prefix in two chunks, split in the middle.
          const mid = cut >> 1;
          const b = await rejection(() => readQemuFile([prefix.subarray(0, mid), prefix.subarray(mid)]));
          expect(b, `streaming reader, cut at ${cut} of ${bytes.length}`).toMatchObject({ name: "QberDecodeError", incomplete: true });
          prefixes++;
        }
      }
      expect(prefixes).toBeGreaterThan(5000);
    });
  }
});
