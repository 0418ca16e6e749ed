import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rewriteDer } from "../src/der-rewrite.js";
import { SectionWriter } from "../src/section-writer.js";
import { readQemuFile } from "../src/section-reader.js";
import type { QemuFile } from "../src/types.js";
import { decodeValue, encodeValue } from "../src/value-codec.js";
import { qemuFile, ramPage, vmStateEntry } from "./arbitraries.js";

/** Splits bytes into chunks at the given cut points. */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

async function writeStreaming(v: QemuFile): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const w = new SectionWriter((c) => void chunks.push(c.slice()), { chunkSize: 512 });
  for (const s of v.top) {
    if (s.kind === "full") {
      await w.writeSection(s);
      continue;
    }
    w.beginMin(s.sectionId);
    for (const b of s.contents.value) {
      w.beginBlock(b.name);
      for (const p of b.pages) await w.writePage(p);
      w.endBlock();
    }
    await w.endMin();
  }
  await w.close();
  return Buffer.concat(chunks);
}

describe("schema value properties", () => {
  it("decode(encode(v)) equals v, definite and streaming", () => {
    fc.assert(
      fc.property(qemuFile, (v) => {
        const der = encodeValue("QemuFile", v);
        const ber = encodeValue("QemuFile", v, { streaming: true });
        expect(decodeValue("QemuFile", der)).toEqual(v);
        expect(decodeValue("QemuFile", ber)).toEqual(v);
        expect(decodeValue("QemuFile", der, { strict: true })).toEqual(v);
      }),
      { numRuns: 200 },
    );
  });

  it("round-trips single entries and pages", () => {
    fc.assert(
      fc.property(vmStateEntry, ramPage, (e, p) => {
        expect(decodeValue("VMStateEntries", encodeValue("VMStateEntries", e))).toEqual(e);
        expect(decodeValue("RAMPage", encodeValue("RAMPage", p))).toEqual(p);
      }),
      { numRuns: 300 },
    );
  });

  it("the streaming reader decodes any chunking of either encoding to v", async () => {
    await fc.assert(
      fc.asyncProperty(qemuFile, fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), async (v, cuts, streaming) => {
        const bytes = encodeValue("QemuFile", v, { streaming });
        expect(await readQemuFile(chunked(bytes, cuts))).toEqual(v);
      }),
      { numRuns: 200 },
    );
  });

  it("rewriteDer turns the streaming encoding into the DER encoding", async () => {
    await fc.assert(
      fc.asyncProperty(qemuFile, async (v) => {
        const ber = encodeValue("QemuFile", v, { streaming: true });
        const chunks: Uint8Array[] = [];
        await rewriteDer(
          () => [ber],
          (c) => void chunks.push(c.slice()),
        );
        expect(Buffer.concat(chunks).toString("hex")).toBe(Buffer.from(encodeValue("QemuFile", v)).toString("hex"));
      }),
      { numRuns: 100 },
    );
  });

  it("the section writer produces the streaming encoding", async () => {
    await fc.assert(
      fc.asyncProperty(qemuFile, async (v) => {
        const written = await writeStreaming(v);
        expect(Buffer.from(written).toString("hex")).toBe(Buffer.from(encodeValue("QemuFile", v, { streaming: true })).toString("hex"));
      }),
      { numRuns: 100 },
    );
  });
});
