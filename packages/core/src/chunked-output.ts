/**
 * A byte buffer that is handed to a sink in chunks, waiting for the sink to
 * drain (backpressure). Both stream writers (BER and QEMU's own) write
 * through it.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import { BerWriter } from "./ber-writer.js";

/** Where written bytes go: a Node Writable, or a function that takes each chunk. */
export type ByteSink = Writable | ((chunk: Uint8Array) => void | Promise<void>);

/** Measured on the RAM-shaped benchmark: small enough that freed chunks are reused, large enough to amortise each write. */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;

export class ChunkedOutput {
  readonly w: BerWriter;

  constructor(
    private readonly sink: ByteSink,
    readonly chunkSize = DEFAULT_CHUNK_SIZE,
  ) {
    this.w = new BerWriter(chunkSize + 8192);
  }

  /** True when a chunk's worth is buffered and should be flushed. */
  get full(): boolean {
    return this.w.pos >= this.chunkSize;
  }

  async flushIfFull(): Promise<void> {
    if (this.full) await this.flush();
  }

  /** Hands the buffered bytes to the sink, waiting for it to drain. */
  async flush(): Promise<void> {
    if (this.w.pos === 0) return;
    const chunk = this.w.take(this.chunkSize + 8192);
    const sink = this.sink;
    if (typeof sink === "function") {
      await sink(chunk);
    } else if (!sink.write(chunk)) {
      await once(sink, "drain");
    }
  }
}
