/**
 * Rewrites a BER file in pure DER (every length definite), in bounded
 * memory: one pass measures every open-ended container, a second writes the
 * file with those lengths. The source is read twice, so it must be
 * re-openable (a file, not a pipe).
 */
import type { ByteSource } from "./byte-source.js";
import type { ByteSink } from "./chunked-output.js";
import { QberDecodeError } from "./errors.js";
import { FramedWriter, type SecMinSizes, pageDerSize, ramBlockLengths, secMinDerSize, secMinLengths } from "./framed-writer.js";
import type { Registry } from "./registry.js";
import { readSections } from "./section-reader.js";
import type { DecodeOptions } from "./limits.js";
import { encodeValue } from "./value-codec.js";

const textEncoder = new TextEncoder();

const changed = (offset: number): QberDecodeError => new QberDecodeError("the input changed between the two passes", { offset });

export async function rewriteDer(open: () => ByteSource, sink: ByteSink, registry?: Registry, options: DecodeOptions = {}): Promise<void> {
  // Pass 1: the size of every section, SecMins measured page by page.
  const sizes: (number | SecMinSizes)[] = [];
  let top = 0;
  for await (const s of readSections(open(), registry, options)) {
    if (s.kind === "full") {
      const der = encodeValue("SecFull", s.section).length;
      sizes.push(der);
      top += der;
      continue;
    }
    const m: SecMinSizes = { pagelists: [], names: [] };
    for await (const b of s.blocks) {
      let n = 0;
      for await (const batch of b.pages) for (let i = 0; i < batch.length; i++) n += pageDerSize(batch.kindCode(i), batch.addr(i), batch.dataLength(i));
      m.pagelists.push(n);
      m.names.push(textEncoder.encode(b.name));
    }
    sizes.push(m);
    top += secMinDerSize(s.sectionId, m);
  }

  // Pass 2: the same sections with definite lengths.
  const out = new FramedWriter(sink, "definite");
  out.begin(top);
  let index = 0;
  for await (const s of readSections(open(), registry, options)) {
    const size = sizes[index++];
    if (s.kind === "full") {
      // A SecFull read from BER may have been indefinite inside; re-encoded, it is DER.
      await out.secFull(s.section);
      continue;
    }
    if (typeof size !== "object") throw changed(s.offset);
    out.beginMin(s.sectionId, "definite", secMinLengths(s.sectionId, size));
    let block = 0;
    for await (const b of s.blocks) {
      const lengths = ramBlockLengths(size, block);
      if (lengths === undefined) throw changed(b.offset);
      out.beginBlock(size.names[block]!, lengths);
      for await (const batch of b.pages) {
        for (let i = 0; i < batch.length; i++) {
          const w = out.page(batch.page(i));
          if (w) await w;
        }
      }
      out.endBlock();
      block++;
    }
    out.endMin();
  }
  await out.end();
}
