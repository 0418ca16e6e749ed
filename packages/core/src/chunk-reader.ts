/**
 * A read position over a stream of chunks. Bytes stay in the chunks they
 * arrived in (so values can be views into them); only a value that straddles
 * two chunks is copied, into a bridge buffer just large enough for it.
 */
import { type ByteSource, chunksOf } from "./byte-source.js";
import { concatBytes } from "./concat-bytes.js";

const EMPTY = new Uint8Array(0);
/** First size of a bridge beyond the bytes already buffered; it doubles from there. */
const BRIDGE_START = 64 * 1024;

export class ChunkReader {
  /** The current chunk (or bridge); bytes before `pos` are consumed. */
  buf: Uint8Array = EMPTY;
  pos = 0;
  /** Absolute input offset of `buf[0]`. */
  private base = 0;
  private readonly pending: Uint8Array[] = [];
  /**
   * While `buf` is a bridge whose last bytes are the start of a chunk that
   * pending[0] holds the rest of: that chunk, and where in the bridge it
   * begins.
   */
  private tail: Uint8Array | undefined;
  private tailAt = 0;
  private readonly source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private done = false;

  /** @param startOffset absolute offset of the first byte, when the source is the tail of a longer input */
  constructor(source: ByteSource, startOffset = 0) {
    this.source = chunksOf(source);
    this.base = startOffset;
  }

  /** Absolute input offset of `buf[index]`. */
  offsetOf(index: number): number {
    return this.base + index;
  }

  get offset(): number {
    return this.base + this.pos;
  }

  private async nextChunk(): Promise<Uint8Array | undefined> {
    const queued = this.pending.shift();
    if (queued) return queued;
    while (!this.done) {
      const r = await this.source.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const c = r.value;
      if (c.length > 0) return c.constructor === Uint8Array ? c : new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
    }
    return undefined;
  }

  /**
   * Makes `n` bytes from `pos` contiguous in `buf`. Returns false if the
   * input ends first (what is there stays readable). Each chunk is copied into
   * the bridge as soon as it arrives, so a source may reuse its buffers.
   */
  async ensure(n: number): Promise<boolean> {
    if (this.buf.length - this.pos >= n) return true;
    if (this.tail !== undefined && this.pos >= this.tailAt) {
      this.leaveBridge();
      if (this.buf.length - this.pos >= n) return true;
    }
    if (this.buf.length === this.pos) {
      const next = await this.nextChunk();
      if (!next) return false;
      this.base += this.buf.length;
      this.buf = next;
      this.pos = 0;
      if (next.length >= n) return true;
    }
    const rest = this.buf.length - this.pos;
    // The bridge holds exactly the bytes asked for: readers ask for whole
    // elements, so once it is consumed reading goes on in the chunk itself.
    // It grows as bytes arrive: `n` comes from a length in the input, which
    // may claim far more than there is (or than an array can hold).
    let bridge = new Uint8Array(Math.max(rest, Math.min(n, rest + BRIDGE_START)));
    bridge.set(this.buf.subarray(this.pos));
    let filled = rest;
    this.tail = undefined;
    while (filled < n) {
      const next = await this.nextChunk();
      if (!next) break;
      const take = Math.min(next.length, n - filled);
      if (filled + take > bridge.length) {
        const grown = new Uint8Array(Math.min(n, Math.max(filled + take, bridge.length * 2)));
        grown.set(bridge.subarray(0, filled));
        bridge = grown;
      }
      bridge.set(next.subarray(0, take), filled);
      if (take < next.length) {
        this.pending.unshift(next.subarray(take));
        this.tail = next;
        this.tailAt = filled;
      }
      filled += take;
    }
    this.base += this.pos;
    this.buf = bridge.subarray(0, filled);
    this.pos = 0;
    return filled >= n;
  }

  /**
   * Goes back from a bridge to the chunk its last bytes came from, once
   * reading has passed the bytes of the chunk before. Readers that take
   * records as they come (rather than exactly what they asked for) would
   * otherwise stay on bridges, each a copy of a few bytes, to the end of
   * the chunk.
   */
  private leaveBridge(): void {
    const chunk = this.tail!;
    this.tail = undefined;
    this.pending.shift();
    this.base += this.tailAt;
    this.pos -= this.tailAt;
    this.buf = chunk;
  }

  /** Consumes `n` bytes; false if the input ends first. */
  async skip(n: number): Promise<boolean> {
    if (!(await this.ensure(n))) return false;
    this.pos += n;
    return true;
  }

  /** True if no byte is left. */
  async atEnd(): Promise<boolean> {
    return !(await this.ensure(1));
  }

  /**
   * Everything left, copied into one buffer; fails (returns undefined) past
   * `limit` bytes. For the tail of a stream that must be held whole.
   */
  async rest(limit: number): Promise<Uint8Array | undefined> {
    this.tail = undefined;
    const parts: Uint8Array[] = [this.buf.slice(this.pos)];
    let total = parts[0]!.length;
    // What is buffered already counts too (all of an in-memory input is).
    if (total > limit) return undefined;
    this.base += this.buf.length;
    this.buf = EMPTY;
    this.pos = 0;
    for (let c = await this.nextChunk(); c; c = await this.nextChunk()) {
      total += c.length;
      if (total > limit) return undefined;
      // Copied at once: the source may reuse its buffers.
      parts.push(c.slice());
      this.base += c.length;
    }
    return concatBytes(parts, total);
  }

  /**
   * Stops reading: the source is told it is no longer needed (a file
   * source closes its file). Safe to call more than once.
   */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.source.return?.();
  }

  /** Bytes buffered after `pos`. */
  get available(): number {
    return this.buf.length - this.pos;
  }
}
