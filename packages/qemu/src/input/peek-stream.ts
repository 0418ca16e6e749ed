/**
 * Reads at least `count` bytes from the front of a stream (fewer if it ends)
 * and hands back those bytes plus the whole stream again. The chunks read
 * early are copied: a source may reuse its buffers.
 */
export async function peekStream(
  stream: AsyncIterable<Uint8Array>,
  count: number,
): Promise<{ head: Uint8Array; source: AsyncGenerator<Uint8Array>; close(): Promise<void> }> {
  const it = stream[Symbol.asyncIterator]();
  const first: Uint8Array[] = [];
  let have = 0;
  while (have < count) {
    const r = await it.next();
    if (r.done) break;
    first.push(r.value.slice());
    have += r.value.length;
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    yield* first;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  // A caller that will not read the stream after all releases it (a file, a decompressor).
  const close = async (): Promise<void> => {
    await it.return?.();
  };
  return { head: Buffer.concat(first), source: all(), close };
}

/**
 * Splits a stream after its first `count` bytes: those bytes (fewer if the
 * stream ends first), copied, and the rest of the stream.
 */
export async function splitStream(stream: AsyncIterable<Uint8Array>, count: number): Promise<{ head: Uint8Array; rest: AsyncGenerator<Uint8Array> }> {
  const { head, source } = await peekStream(stream, count);
  const it = source[Symbol.asyncIterator]();
  let skip = Math.min(count, head.length);
  async function* rest(): AsyncGenerator<Uint8Array> {
    for (let r = await it.next(); !r.done; r = await it.next()) {
      const chunk = r.value;
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      yield skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
    }
  }
  return { head: head.subarray(0, count), rest: rest() };
}
