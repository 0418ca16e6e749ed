/**
 * A file written with positioned writes, as a ChunkConsumer: the writer
 * reuses its buffer, so output costs no allocation per chunk.
 */
import { type FileHandle, open, unlink } from "node:fs/promises";
import type { ChunkConsumer } from "./chunked-output.js";

export interface FileSink extends ChunkConsumer {
  /** Flushes to disk (fsync) and closes the file. */
  close(): Promise<void>;
  /** Closes without syncing and removes the file: after a failure, nothing partial stays. */
  abort(): Promise<void>;
}

export async function fileSink(path: string): Promise<FileSink> {
  const fh: FileHandle = await open(path, "w");
  let position = 0;
  return {
    kind: "chunk-consumer",
    async write(chunk) {
      let done = 0;
      while (done < chunk.length) {
        const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, position);
        done += bytesWritten;
        position += bytesWritten;
      }
    },
    async close() {
      await fh.sync();
      await fh.close();
    },
    async abort() {
      try {
        await fh.close();
      } finally {
        await unlink(path).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== "ENOENT") throw e;
        });
      }
    },
  };
}

/** A sink that drops everything (for measuring conversion alone). */
export const discardSink: ChunkConsumer = { kind: "chunk-consumer", write: async () => {} };
