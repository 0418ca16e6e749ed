/**
 * Proper prefixes of every fixture, QEMU stream and BER alike, are rejected
 * as incomplete (QberDecodeError with `incomplete`), never as corrupt and
 * never accepted. Running the readers on all of the millions of prefixes is
 * quadratic, so this sweep (run in CI) takes every prefix of the first 16 KiB
 * (headers, configuration, block lists), every cut within 3 bytes of each
 * section start, and 300 cuts spread evenly through the rest, per file;
 * all-prefixes.ts runs every prefix, as a campaign (docs/reliability.md).
 *
 * One prefix of a QEMU stream is a complete stream: the one that ends right
 * after the EOF record, before the vmdesc, which QEMU itself loads (the vmdesc
 * is optional); it imports, and its export is that prefix byte for byte.
 * Streams are imported as the qber command does, with the device models.
 */
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { exportQemuStream, importQemuStream } from "@qber/qemu";
import { describe, expect, it } from "vitest";
import { berOf, collect, commandRegistry, eofRecordAt, prefixFailure, readBerFully } from "./prefix-check.js";

const dir = fileURLToPath(new URL("../../fixtures/qemu-7.2/", import.meta.url));
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".mig"))
  .sort();

function cuts(length: number, boundaries: readonly number[]): number[] {
  const set = new Set<number>();
  for (let k = 0; k < Math.min(length, 16 * 1024); k++) set.add(k);
  for (const b of boundaries) for (let d = -3; d <= 3; d++) if (b + d >= 0 && b + d < length) set.add(b + d);
  for (let i = 0; i < 300; i++) set.add(Math.floor((i * length) / 300));
  return [...set].sort((a, b) => a - b);
}

/** Offsets where the BER file's sections start. */
async function berBoundaries(ber: Uint8Array): Promise<number[]> {
  const out: number[] = [];
  await readBerFully(ber, (offset) => out.push(offset));
  return out;
}

describe.each(fixtures)("%s", (file) => {
  const mig = new Uint8Array(readFileSync(dir + file));

  it("every sampled proper prefix of the QEMU stream is incomplete (but the one ending at EOF)", async () => {
    const ber = await berOf(mig);
    const eofAt = eofRecordAt(mig);
    expect(eofAt).toBeGreaterThan(0);
    const sections = (await berBoundaries(ber)).length;
    expect(sections).toBeGreaterThan(10);
    let checked = 0;
    for (const k of cuts(mig.length, [8, eofAt - 1, eofAt, eofAt + 5])) {
      if (k === eofAt) continue;
      const e = await prefixFailure("qemu", mig, k);
      expect(e, `cut at ${k} of ${mig.length}`).toMatchObject({ name: "QberDecodeError", incomplete: true });
      checked++;
    }
    expect(checked).toBeGreaterThan(16 * 1024);
    // The stream without its vmdesc is complete, and comes back as it is
    // (except for an old machine type: with neither footers nor a vmdesc, its
    // device sections can only be read by models of its own layout).
    if (file === "pc-old23.mig") return;
    const noVmdesc = mig.subarray(0, eofAt);
    const imported = await collect((s) => importQemuStream([noVmdesc], s, { registry: commandRegistry }));
    const back = await collect((sink) => exportQemuStream([imported], sink, { registry: commandRegistry }));
    expect(back.equals(noVmdesc)).toBe(true);
  }, 120_000);

  it("every sampled proper prefix of its BER import is incomplete", async () => {
    const ber = await berOf(mig);
    const boundaries = await berBoundaries(ber);
    for (const k of cuts(ber.length, boundaries)) {
      const e = await prefixFailure("ber", ber, k);
      expect(e, `cut at ${k} of ${ber.length}`).toMatchObject({ name: "QberDecodeError", incomplete: true });
    }
  }, 120_000);
});
