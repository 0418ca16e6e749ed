/**
 * Reads at least `count` bytes from the front of a stream (fewer if it ends)
 * and hands back those bytes plus the whole stream again. The chunks read
 * early are copied: a source may reuse its buffers.
 */
export async function peekStream(stream: AsyncIterable<Uint8Array>, count: number): Promise<{ head: Uint8Array; source: AsyncGenerator<Uint8Array> }> {
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
  return { head: Buffer.concat(first), source: all() };
}
