/**
 * RAM iterator benchmark: the RAM-shaped guest memory (65,536 pages, 60%
 * zero, 40% seeded random: 256 MiB) composed by the RAM iterator (setup
 * section and a first pass, zero detection included) into a discarding
 * sink, and the resulting stream reconstructed into an image in memory; both
 * as ratios to a Buffer copy of the 256 MiB of RAM measured in the same run.
 */
import { SectionWriter } from "@qber/core";
import { RamIterator, bufferRamSource, memoryRamSink, reconstructRam } from "@qber/ram";
import { PAGE, defaultShape, isFullPage, seededBytes } from "./ram-shaped.js";
import { type BenchOptions, type BenchResult, type Check, bestOf, copyBaseline } from "./types.js";

/** The RAM-shaped image: zero pages and seeded random full pages, in place. */
function ramImage(): Uint8Array {
  const shape = defaultShape;
  let full = 0;
  for (let i = 0; i < shape.pages; i++) if (isFullPage(i, shape)) full++;
  const data = seededBytes(full * PAGE, shape.seed);
  const image = new Uint8Array(shape.pages * PAGE);
  let f = 0;
  for (let i = 0; i < shape.pages; i++) {
    if (!isFullPage(i, shape)) continue;
    image.set(data.subarray(f * PAGE, (f + 1) * PAGE), i * PAGE);
    f++;
  }
  return image;
}

async function compose(image: Uint8Array, sink: (chunk: Uint8Array) => void): Promise<void> {
  const writer = new SectionWriter(sink);
  await new RamIterator(writer, [bufferRamSource("pc.ram", image)]).start();
  await writer.close();
}

export async function runRamIterate(options: BenchOptions): Promise<BenchResult> {
  const image = ramImage();
  const ramBytes = image.length;
  const runs = options.quick ? 3 : 11;

  // The stream once, kept as the chunks the writer hands out.
  const chunks: Uint8Array[] = [];
  await compose(image, (c) => void chunks.push(c.slice()));
  const fileBytes = chunks.reduce((n, c) => n + c.length, 0);

  const copyMs = await copyBaseline(ramBytes);
  const copyFileMs = await copyBaseline(fileBytes);
  const encodeMs = await bestOf(runs, () => compose(image, () => undefined));

  // Reconstruction into one preallocated image (zeroed before each run, like
  // the copy baseline's destination), so page faults are not what is timed.
  const target = new Uint8Array(ramBytes);
  let reconstructMs = Infinity;
  for (let r = 0; r < runs; r++) {
    target.fill(0);
    const t = performance.now();
    await reconstructRam(chunks, (b) => memoryRamSink(b.length, target));
    reconstructMs = Math.min(reconstructMs, performance.now() - t);
  }
  if (Buffer.compare(target, image) !== 0) throw new Error("the reconstructed RAM differs from the image composed");

  const figures: Record<string, number> = {
    "ram.iterate.ramBytes": ramBytes,
    "ram.iterate.fileBytes": fileBytes,
    "ram.iterate.copy.gbps": ramBytes / copyMs / 1e6,
    "ram.iterate.encode.gbps": ramBytes / encodeMs / 1e6,
    "ram.iterate.encode.ratio": copyMs / encodeMs,
    "ram.iterate.encode.fileRatio": copyFileMs / encodeMs,
    "ram.iterate.reconstruct.gbps": ramBytes / reconstructMs / 1e6,
    "ram.iterate.reconstruct.ratio": copyMs / reconstructMs,
  };
  const checks: Check[] = [
    { name: "ram: iterator encode vs Buffer copy (RAM bytes)", value: figures["ram.iterate.encode.ratio"]!, min: 0.3 },
    { name: "ram: reconstruction vs Buffer copy (RAM bytes restored)", value: figures["ram.iterate.reconstruct.ratio"]!, min: 0.5 },
  ];
  return { figures, checks };
}
