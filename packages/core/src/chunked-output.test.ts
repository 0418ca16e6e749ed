import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { ChunkedOutput, DEFAULT_CHUNK_SIZE, PIPE_CHUNK_SIZE } from "./chunked-output.js";

describe("ChunkedOutput chunk size", () => {
  it("writes pipes and sockets in chunks that fit a pipe twice", () => {
    expect(new ChunkedOutput(new Socket()).chunkSize).toBe(PIPE_CHUNK_SIZE);
    expect(2 * PIPE_CHUNK_SIZE).toBeLessThanOrEqual(64 * 1024);
  });

  it("writes files and functions in large chunks, unless told otherwise", () => {
    expect(new ChunkedOutput(() => undefined).chunkSize).toBe(DEFAULT_CHUNK_SIZE);
    expect(new ChunkedOutput(new Socket(), 4096).chunkSize).toBe(4096);
  });
});
