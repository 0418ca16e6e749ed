/**
 * Rewrites a BER file in pure DER (every length definite), in bounded
 * memory: one pass measures every open-ended container, a second writes the
 * file with those lengths. The source is read twice, so it must be
 * re-openable (a file, not a pipe).
 */
import { lengthOctets } from "./ber-writer.js";
import type { ByteSource } from "./byte-source.js";
import { type ByteSink, ChunkedOutput } from "./chunked-output.js";
import { integerLength } from "./integer.js";
import { KIND_COMPR, KIND_HOOK, type PageBatch } from "./page-batch.js";
import type { Registry } from "./registry.js";
import { Encoder, TagBytes, writeRamPage, writeSecFull } from "./schema-encoder.js";
import { readSections } from "./section-reader.js";
import type { DecodeOptions } from "./limits.js";
import { encodeValue } from "./value-codec.js";

const tlv = (tagLength: number, contentLength: number): number => tagLength + lengthOctets(contentLength) + contentLength;
const textEncoder = new TextEncoder();

/** DER size of one page of a batch. */
function pageSize(batch: PageBatch, i: number): number {
  const code = batch.kindCode(i);
  if (code === KIND_HOOK) return tlv(TagBytes.hook.length, 0);
  const addr = tlv(1, integerLength(batch.addr(i)));
  if (code === KIND_COMPR) return tlv(TagBytes.compr.length, addr - 2);
  const data = tlv(1, batch.dataLength(i));
  return tlv(3, addr + data);
}

interface MinSizes {
  /** Content length of each RAMSecBlock's pagelist, in order. */
  readonly pagelists: number[];
  readonly names: Uint8Array[];
}

function blockContent(name: Uint8Array, pagelist: number): number {
  return tlv(1, name.length) + tlv(1, pagelist);
}

function ramsecContent(m: MinSizes): number {
  return m.pagelists.reduce((sum, p, i) => sum + tlv(1, blockContent(m.names[i]!, p)), 0);
}

function minContent(sectionId: bigint, m: MinSizes): number {
  return tlv(1, integerLength(sectionId)) + tlv(TagBytes.ramsec.length, ramsecContent(m)) + TagBytes.secEndMark.length + 1;
}

export async function rewriteDer(open: () => ByteSource, sink: ByteSink, registry?: Registry, options: DecodeOptions = {}): Promise<void> {
  // Pass 1: the size of every section, SecMins measured page by page.
  const sizes: (number | MinSizes)[] = [];
  let top = 0;
  for await (const s of readSections(open(), registry, options)) {
    if (s.kind === "full") {
      const der = encodeValue("SecFull", s.section).length;
      sizes.push(der);
      top += der;
      continue;
    }
    const m: MinSizes = { pagelists: [], names: [] };
    for await (const b of s.blocks) {
      let n = 0;
      for await (const batch of b.pages) for (let i = 0; i < batch.length; i++) n += pageSize(batch, i);
      m.pagelists.push(n);
      m.names.push(textEncoder.encode(b.name));
    }
    sizes.push(m);
    top += tlv(TagBytes.secMin.length, minContent(s.sectionId, m));
  }

  // Pass 2: the same sections with definite lengths.
  const out = new ChunkedOutput(sink);
  const w = out.w;
  const e = new Encoder(w, false);
  const topLength = tlv(1, top);
  w.header(TagBytes.qemuFile, 3 + topLength);
  w.integer(TagBytes.integer, 3n);
  w.header(TagBytes.sequence, top);
  let index = 0;
  for await (const s of readSections(open(), registry, options)) {
    const size = sizes[index++];
    if (s.kind === "full") {
      // A SecFull read from BER may have been indefinite inside; re-encoded, it is DER.
      writeSecFull(e, s.section);
      await out.flushIfFull();
      continue;
    }
    if (typeof size !== "object") throw new Error("the input changed between the two passes");
    w.header(TagBytes.secMin, minContent(s.sectionId, size));
    w.integer(TagBytes.integer, s.sectionId);
    w.header(TagBytes.ramsec, ramsecContent(size));
    let block = 0;
    for await (const b of s.blocks) {
      const name = size.names[block]!;
      const pagelist = size.pagelists[block]!;
      w.header(TagBytes.sequence, blockContent(name, pagelist));
      w.octets(TagBytes.utf8String, name);
      w.header(TagBytes.sequence, pagelist);
      for await (const batch of b.pages) {
        for (let i = 0; i < batch.length; i++) {
          writeRamPage(e, batch.page(i));
          if (out.full) await out.flush();
        }
      }
      block++;
    }
    w.null(TagBytes.secEndMark);
    await out.flushIfFull();
  }
  await out.flush();
}
