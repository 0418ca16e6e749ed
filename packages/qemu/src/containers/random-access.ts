/** Reading a file by position (a FileHandle is one; tests and fuzzing read memory). */
export interface RandomAccess {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** Up to `length` bytes at `at`: fewer only at the end of the file. */
export async function readAt(fh: RandomAccess, at: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, at + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}
