/** Text written to a sink in large pieces, waiting for it to drain. */
import { once } from "node:events";
import type { Writable } from "node:stream";
import type { ByteSink } from "@qber/core";

const FLUSH_AT = 1 << 20;

export class TextOut {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly sink: ByteSink) {}

  /** Adds text; returns a promise only when the buffer must drain first. */
  write(text: string): Promise<void> | undefined {
    this.parts.push(text);
    this.size += text.length;
    return this.size >= FLUSH_AT ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const chunk = Buffer.from(this.parts.join(""), "utf8");
    this.parts = [];
    this.size = 0;
    const sink = this.sink;
    if (typeof sink === "function") await sink(chunk);
    else if ("kind" in sink && sink.kind === "chunk-consumer") await sink.write(chunk);
    else if (!(sink as Writable).write(chunk)) await once(sink as Writable, "drain");
  }
}
