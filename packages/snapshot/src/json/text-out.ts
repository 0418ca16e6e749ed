/**
 * Text written to a sink in chunks, waiting for it to drain. Each piece is
 * encoded straight into the chunk being filled (reused once the sink is done
 * with it), so a page's hex lives only as long as it takes to copy it: held
 * in a list until a megabyte had gathered, pages' hex strings kept every
 * garbage collection busy (a third of `qber decode`'s time).
 */
import { type ByteSink, ChunkedOutput } from "@qber/core";

const utf8 = new TextEncoder();

export class TextOut {
  private readonly out: ChunkedOutput;

  constructor(sink: ByteSink) {
    this.out = new ChunkedOutput(sink);
  }

  /** Adds text; returns a promise only when the buffer must drain first. */
  write(text: string): Promise<void> | undefined {
    const w = this.out.w;
    const buf = w.reserve(text.length * 3);
    w.pos += utf8.encodeInto(text, buf.subarray(w.pos)).written;
    return this.out.full ? this.out.flush() : undefined;
  }

  flush(): Promise<void> {
    return this.out.flush();
  }
}
