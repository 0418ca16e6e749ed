import { execFileSync, spawn } from "node:child_process";
import { closeSync, constants, openSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fdSource, fileSource } from "./byte-source.js";

const bytes = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 7919) & 0xff);

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source) parts.push(chunk.slice());
  return new Uint8Array(Buffer.concat(parts));
}

describe("byte sources", () => {
  const dir = mkdtempSync(join(tmpdir(), "qber-source-"));
  const path = join(dir, "data.bin");
  writeFileSync(path, bytes);

  it("fileSource yields the whole file in chunks", async () => {
    expect(await collect(fileSource(path, { chunkSize: 4096 }))).toEqual(bytes);
  });

  it("fdSource yields a descriptor's bytes to the end and leaves it open", async () => {
    const fd = openSync(path, "r");
    try {
      expect(await collect(fdSource(fd, { chunkSize: 999 }))).toEqual(bytes);
    } finally {
      closeSync(fd);
    }
  });

  it("fdSource reads a pipe whose writer sends in pieces", async () => {
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const writer = spawn(
      process.execPath,
      [
        "-e",
        `const fs = require("fs"); const fd = fs.openSync(${JSON.stringify(fifo)}, "w"); fs.writeSync(fd, Buffer.alloc(70000, 1)); setTimeout(() => fs.writeSync(fd, Buffer.alloc(5, 2)), 50);`,
      ],
      { stdio: "inherit" },
    );
    const fd = openSync(fifo, "r");
    try {
      const got = await collect(fdSource(fd, { chunkSize: 4096 }));
      expect(got.length).toBe(70005);
      expect(got.subarray(69995)).toEqual(Uint8Array.from([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]));
    } finally {
      closeSync(fd);
      writer.kill();
    }
  });

  it("fdSource waits on a non-blocking pipe that is empty for a while", async () => {
    const fifo = join(dir, "fifo-nonblocking");
    execFileSync("mkfifo", [fifo]);
    const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = spawn(
      process.execPath,
      [
        "-e",
        `const fs = require("fs"); const fd = fs.openSync(${JSON.stringify(fifo)}, "w"); setTimeout(() => fs.writeSync(fd, Buffer.alloc(3, 7)), 100); setTimeout(() => fs.writeSync(fd, Buffer.alloc(2, 8)), 200);`,
      ],
      { stdio: "inherit" },
    );
    try {
      // Our own write end keeps the pipe from reading as ended before the
      // writer has opened it; it goes once the writer's first bytes are in.
      let hold: number | undefined = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      const parts: number[] = [];
      for await (const chunk of fdSource(fd)) {
        parts.push(...chunk);
        if (hold !== undefined) closeSync(hold);
        hold = undefined;
      }
      expect(parts).toEqual([7, 7, 7, 8, 8]);
    } finally {
      closeSync(fd);
      writer.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
