/**
 * The RAM-shaped file of the core benchmark: one SecMin holding one
 * RAMSecBlock of 65,536 pages, 60% zero (`compr`) and 40% full pages of
 * seeded random bytes (about 108 MB).
 */
import { createWriteStream } from "node:fs";
import { SectionWriter } from "@qber/core";
import type { RamPage } from "@qber/core";
import { prng } from "@qber/test-support";

export const PAGE = 4096;

/** Seeded bytes, filled a 32-bit word at a time (length a multiple of 4). */
export function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  const words = new Uint32Array(out.buffer, 0, length >>> 2);
  const next = prng(seed);
  for (let i = 0; i < words.length; i++) words[i] = next();
  return out;
}

export interface RamShape {
  readonly pages: number;
  readonly zeroFraction: number;
  readonly seed: number;
}

export const defaultShape: RamShape = { pages: 65536, zeroFraction: 0.6, seed: 0x9e3779b9 };

/** Page i is full when its hash falls past the zero fraction; the same pages every run. */
export function isFullPage(i: number, shape: RamShape): boolean {
  const h = Math.imul(i ^ shape.seed, 0x85ebca6b) >>> 0;
  return h / 2 ** 32 >= shape.zeroFraction;
}

/** The pages, full ones as views into one seeded buffer. */
export function ramPages(shape: RamShape = defaultShape): RamPage[] {
  let full = 0;
  for (let i = 0; i < shape.pages; i++) if (isFullPage(i, shape)) full++;
  const data = seededBytes(full * PAGE, shape.seed);
  const pages: RamPage[] = [];
  let f = 0;
  for (let i = 0; i < shape.pages; i++) {
    const addr = BigInt(i * PAGE);
    if (isFullPage(i, shape)) {
      pages.push({ kind: "fullpage", addr, data: data.subarray(f * PAGE, (f + 1) * PAGE) });
      f++;
    } else {
      pages.push({ kind: "compr", addr });
    }
  }
  return pages;
}

/** Writes the pages as a streaming QemuFile into `sink`. */
export async function writeRamShaped(pages: readonly RamPage[], writer: SectionWriter): Promise<void> {
  writer.beginMin(2n);
  writer.beginBlock("pc.ram");
  for (const p of pages) {
    const wait = writer.writePage(p);
    if (wait) await wait;
  }
  writer.endBlock();
  await writer.endMin();
  await writer.close();
}

export async function writeRamShapedFile(path: string, pages: readonly RamPage[]): Promise<void> {
  const out = createWriteStream(path);
  await writeRamShaped(pages, new SectionWriter(out));
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
