import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fileSink } from "./file-sink.js";

const dir = mkdtempSync(join(tmpdir(), "qber-file-sink-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("fileSink", () => {
  it("close keeps what was written", async () => {
    const path = join(dir, "kept");
    const sink = await fileSink(path);
    await sink.write(new Uint8Array([1, 2, 3]));
    await sink.close();
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
  });

  it("abort removes the file: nothing partial stays", async () => {
    const path = join(dir, "aborted");
    const sink = await fileSink(path);
    await sink.write(new Uint8Array(10_000));
    await sink.abort();
    expect(existsSync(path)).toBe(false);
  });

  it("abort after close (a failure past the last write) still removes the file", async () => {
    const path = join(dir, "closed-then-aborted");
    const sink = await fileSink(path);
    await sink.close();
    await sink.abort().catch(() => undefined);
    expect(existsSync(path)).toBe(false);
  });
});
