/**
 * Where an exported stream goes: straight to the output, or into a container
 * rebuilt around it (a libvirt save image's header and metadata, then the
 * stream, compressed as its format says). The container is chosen before
 * the first byte of the stream is written.
 */
import { type ByteSink, type ChunkConsumer, ChunkedOutput } from "@qber/core";
import { type Compression, type CompressorSink, compressor } from "./compression.js";

export class ContainerOutput implements ChunkConsumer {
  readonly kind = "chunk-consumer" as const;
  private readonly out: ChunkedOutput;
  private compress: CompressorSink | undefined;
  private started = false;

  constructor(sink: ByteSink) {
    this.out = new ChunkedOutput(sink);
  }

  /** Whether stream bytes have been written (too late to wrap them). */
  get writing(): boolean {
    return this.started;
  }

  /** Bytes after which the stream comes raw, or through `compression`. Only before the first write. */
  wrap(prefix: Uint8Array, compression: Compression | undefined): void {
    if (this.started) throw new Error("ContainerOutput.wrap after the stream has started");
    this.out.w.raw(prefix);
    if (compression) this.compress = compressor(compression, (chunk) => this.copy(chunk));
  }

  private async copy(chunk: Uint8Array): Promise<void> {
    this.out.w.raw(chunk);
    await this.out.flushIfFull();
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.started = true;
    if (this.compress) await this.compress.write(chunk);
    else await this.copy(chunk);
  }

  /** Ends the stream: the last compressed bytes, then everything still buffered. */
  async finish(): Promise<void> {
    await this.compress?.finish();
    await this.out.flush();
  }

  /** Stops a compressor after a failure. */
  abort(): void {
    this.compress?.abort();
  }
}
