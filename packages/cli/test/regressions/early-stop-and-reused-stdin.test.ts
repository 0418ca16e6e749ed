/**
 * Two defects found while checking the command's input errors:
 * - `qber validate vm.mig --max-depth 3` never ended: the validator stopped
 *   reading at the limit, and the QEMU-stream converter feeding it waited for
 *   a reader that was gone (the process then died with Node's exit code 13).
 * - `qber encode -` spooled stdin to a file through a queue while stdin's
 *   reader reused its buffers, so a writer sending small pieces got its JSON
 *   overwritten ("invalid JSON at character N").
 */
import { fileURLToPath } from "node:url";
import { fileSource } from "@qber/core";
import { importQemuStream } from "@qber/qemu";
import { decodeToJson } from "@qber/snapshot";
import { expect, it, vi } from "vitest";
import { stdin } from "../../src/cli/input.js";
import { runCli } from "../run-cli.js";

const mig = fileURLToPath(new URL("../../../../fixtures/qemu-7.2/pc-paused.mig", import.meta.url));

it("validate of a QEMU stream that stops at a limit reports it and ends", async () => {
  const r = await runCli(["validate", mig, "--max-depth", "3", "--json"]);
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout).problems[0].reason).toMatch(/nesting depth 4 exceeds the limit of 3/);
});

it("encode - reads stdin whose chunks reuse one buffer", async () => {
  const chunks: Uint8Array[] = [];
  await importQemuStream(fileSource(mig), (c) => void chunks.push(c.slice()));
  const ber = new Uint8Array(Buffer.concat(chunks));
  const json: Uint8Array[] = [];
  await decodeToJson(ber, (c) => void json.push(c.slice()), { fields: false });
  const text = Buffer.concat(json);
  // One buffer, refilled for every chunk, as the pipe reader does.
  async function* reused(): AsyncGenerator<Uint8Array> {
    const buf = new Uint8Array(4093);
    for (let at = 0; at < text.length; at += buf.length) {
      const n = Math.min(buf.length, text.length - at);
      buf.set(text.subarray(at, at + n));
      yield buf.subarray(0, n);
    }
  }
  const spy = vi.spyOn(stdin, "source").mockReturnValue(reused());
  try {
    const r = await runCli(["encode", "-", "-o", "-"]);
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.compare(r.stdoutBytes, Buffer.from(ber))).toBe(0);
  } finally {
    spy.mockRestore();
  }
});
