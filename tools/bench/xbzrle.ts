// RAM benchmarks: XBZRLE encode/decode and zero-page classification, each as
// a ratio to a memcpy of the same bytes measured in the same run (ratio =
// memcpy time / operation time, so > 1 means faster than copying the page).
// Needs the built package: `npx tsc -b packages/ram`.
//
// memcpy is `Uint8Array.prototype.set` of the same 4 KiB page, in a loop, the
// faster of the two copies the brief allows (Buffer.prototype.copy is also
// reported, as memcpy_buffer_copy_ns). Encodes use an output buffer of
// 2 pages so every shape is encoded completely: an encoder that gives up at
// QEMU's 4096-byte limit would do less work on the 50% shape.
import { classifyZeroPages, xbzrleDecode, xbzrleEncode } from "@qber/ram";
import { prng } from "@qber/test-support";
import type { BenchOptions, BenchResult, Check, Comparison } from "./types.js";

const PAGE = 4096;

type Shape = "clustered1" | "scattered10" | "scattered50";
type Pair = [old: Uint8Array, cur: Uint8Array];

/** Page pairs: random old content, new = old with `shape` applied. */
function pagePairs(shape: Shape, count: number, rnd: () => number): Pair[] {
  const pairs: Pair[] = [];
  for (let n = 0; n < count; n++) {
    const old = new Uint8Array(PAGE);
    for (let i = 0; i < PAGE; i++) old[i] = rnd();
    const cur = old.slice();
    const flip = (i: number): void => {
      cur[i] = old[i]! ^ (1 + (rnd() % 255));
    };
    if (shape === "clustered1") {
      // 1% of the bytes (41) in 3 clusters at random places.
      const lengths = [14, 14, 13];
      for (const len of lengths) {
        const at = rnd() % (PAGE - len);
        for (let i = at; i < at + len; i++) flip(i);
      }
    } else {
      const percent = shape === "scattered10" ? 10 : 50;
      for (let i = 0; i < PAGE; i++) if (rnd() % 100 < percent) flip(i);
    }
    pairs.push([old, cur]);
  }
  return pairs;
}

/** Best time per iteration, in ns, over `rounds` rounds of `iterations` calls of `body(i)`. */
function bestNs(rounds: number, iterations: number, body: (i: number) => void): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) body(i);
    const ns = Number(process.hrtime.bigint() - t) / iterations;
    if (ns < best) best = ns;
  }
  return best;
}

export async function runXbzrle({ quick }: BenchOptions): Promise<BenchResult> {
  const rounds = quick ? 3 : 15;
  const iterations = quick ? 2000 : 20000;
  const rnd = prng(0x5eed);
  const figures: Record<string, number> = {};
  const checks: Check[] = [];
  const comparisons: Comparison[] = [];

  const POOL = 64; // distinct pages, cycled, so the branch predictor cannot learn one page
  const copyDst = new Uint8Array(PAGE);
  const copyDstBuffer = Buffer.alloc(PAGE);
  // What QEMU 7.2's C code measures on the same shapes, as ratios to memcpy
  // (docs/performance.md): a reference to show the distance, not a goal.
  const qemu: Record<Shape, { encode: number; decode: number }> = {
    clustered1: { encode: 1.0, decode: 14 },
    scattered10: { encode: 0.039, decode: 0.12 },
    scattered50: { encode: 0.013, decode: 0.031 },
  };
  for (const shape of Object.keys(qemu) as Shape[]) {
    const pairs = pagePairs(shape, POOL, rnd);
    const out = new Uint8Array(2 * PAGE);
    const payloads = pairs.map(([old, cur]) => {
      const n = xbzrleEncode(old, cur, out);
      return out.slice(0, n);
    });
    // Decoding a payload again on its own result is the same work every time.
    const targets = pairs.map(([old]) => old.slice());
    // Warm-up: let the JIT settle before anything is timed.
    bestNs(2, iterations, (i) => {
      const [old, cur] = pairs[i % POOL]!;
      xbzrleEncode(old, cur, out);
      xbzrleDecode(payloads[i % POOL]!, targets[i % POOL]!);
      copyDst.set(cur);
    });
    const memcpy = bestNs(rounds, iterations, (i) => copyDst.set(pairs[i % POOL]![1]));
    const bufferCopy = bestNs(rounds, iterations, (i) => Buffer.from(pairs[i % POOL]![1].buffer).copy(copyDstBuffer));
    const encode = bestNs(rounds, iterations, (i) => {
      const [old, cur] = pairs[i % POOL]!;
      xbzrleEncode(old, cur, out);
    });
    const decode = bestNs(rounds, iterations, (i) => xbzrleDecode(payloads[i % POOL]!, targets[i % POOL]!));
    figures[`ram.xbzrle.${shape}.memcpy_ns`] = memcpy;
    figures[`ram.xbzrle.${shape}.memcpy_buffer_copy_ns`] = bufferCopy;
    figures[`ram.xbzrle.${shape}.payload_bytes_avg`] = payloads.reduce((s, p) => s + p.length, 0) / POOL;
    figures[`ram.xbzrle.${shape}.encode_ns`] = encode;
    figures[`ram.xbzrle.${shape}.decode_ns`] = decode;
    figures[`ram.xbzrle.${shape}.encode_vs_memcpy`] = memcpy / encode;
    figures[`ram.xbzrle.${shape}.decode_vs_memcpy`] = memcpy / decode;
    const anchorName = "QEMU 7.2's C code";
    comparisons.push({ name: `ram xbzrle encode ${shape} vs memcpy`, value: memcpy / encode, anchor: qemu[shape].encode, anchorName });
    comparisons.push({ name: `ram xbzrle decode ${shape} vs memcpy`, value: memcpy / decode, anchor: qemu[shape].decode, anchorName });
  }

  // Zero pages: buffers of many pages, 60% all zero, the others with one
  // non-zero byte at a random place. Checked on 4 MiB; 1 MiB and 16 MiB
  // reported too, because the copy it is compared with changes with size.
  const sizes: [label: string, pages: number, checked: boolean][] = [
    ["1MiB", 256, false],
    ["4MiB", 1024, true],
    ["16MiB", 4096, false],
  ];
  for (const [label, pages, checked] of sizes) {
    const buf = new Uint8Array(pages * PAGE);
    for (let p = 0; p < pages; p++) if (rnd() % 100 >= 60) buf[p * PAGE + (rnd() % PAGE)] = 1 + (rnd() % 255);
    const dst = new Uint8Array(buf.length);
    const flags = new Uint8Array(pages);
    const zeroRounds = quick ? 3 : 15;
    const reps = quick ? 2 : 8;
    bestNs(2, reps, () => classifyZeroPages(buf, PAGE, flags));
    const memcpy = bestNs(zeroRounds, reps, () => dst.set(buf)) / pages;
    const classify = bestNs(zeroRounds, reps, () => classifyZeroPages(buf, PAGE, flags)) / pages;
    figures[`ram.zero.${label}.memcpy_ns_per_page`] = memcpy;
    figures[`ram.zero.${label}.classify_ns_per_page`] = classify;
    figures[`ram.zero.${label}.classify_vs_memcpy`] = memcpy / classify;
    if (checked) checks.push({ name: `ram zero-page classify ${label} (60% zero) vs memcpy`, value: memcpy / classify, min: 0.75 });
  }

  return { figures, checks, comparisons };
}
