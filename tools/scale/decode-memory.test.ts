/**
 * `qber decode` (BER -> JSON) in bounded memory: a 512 MiB machine (45% of
 * its pages non-zero, 243 MB of BER) decodes to JSON within 256 MiB. It took
 * 420 MiB before the JSON writer stopped holding each RAM section's input
 * bytes back to the section's start.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { LOAD_AT, measuredScript, readSteps, writeLoad } from "./pipeline.js";

const dir = mkdtempSync(join(tmpdir(), "qber-decode-memory-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const measured = measuredScript();

it("qber decode of a 512 MiB machine stays within 256 MiB", () => {
  const load = writeLoad(dir, 0.5);
  const ber = join(dir, "m.ber");
  const log = join(dir, "measure.jsonl");
  execFileSync(process.execPath, [measured, "compose", "--machine", "pc", "--memory", "512M", "--load", `${LOAD_AT}=${load.path}`, "-o", ber]);
  execFileSync(process.execPath, [measured, "decode", ber, "-o", "/dev/null", "-q"], { env: { ...process.env, QBER_MEASURE: log } });
  const [step] = readSteps(log);
  expect(step?.code).toBe(0);
  expect(step!.peakRssMiB).toBeLessThanOrEqual(256);
}, 120_000);
