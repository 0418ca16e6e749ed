/**
 * The bridge against real QEMU 7.2: capture pc and q35 (paused, and live with
 * XBZRLE), import, export, compare bytes; load each export into a fresh QEMU
 * with the same machine options and compare CPU 0's registers and the RAM
 * md5s with the source VM's, recorded right after `stop`; resume it. Then
 * the exec: pipes in both directions.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fileSource } from "@qber/core";
import { exportQemuStream, importQemuStream } from "@qber/qemu";
import { defaultRegistry } from "@qber/devices";
import { afterAll, describe, expect, it } from "vitest";
import { requireOracle } from "../oracles/require.js";
// @ts-expect-error plain JS capture tooling
import { capture } from "../capture/capture.mjs";
// @ts-expect-error plain JS capture tooling
import { loadCheck } from "../capture/load-check.mjs";

const qemu = process.env.QEMU ?? "qemu-system-x86_64";
function qemuAvailable(): boolean {
  try {
    return execFileSync(qemu, ["--version"], { encoding: "utf8" }).includes("version 7.2");
  } catch {
    return false;
  }
}

const available = qemuAvailable();
const dir = mkdtempSync(join(tmpdir(), "qber-interop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const qberBin = fileURLToPath(new URL("../../packages/cli/bin/qber.js", import.meta.url));

async function collect(write: (sink: (c: Uint8Array) => void) => Promise<unknown>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await write((c) => void chunks.push(c.slice()));
  return Buffer.concat(chunks);
}

interface LoadResult {
  status: string;
  ramLow: boolean;
  ramHigh: boolean;
  registers: boolean;
  resumed?: string;
  registerDiff?: string[];
  stderr?: string;
}

describe.skipIf(!requireOracle("qemu-system-x86_64 7.2", available))("QEMU 7.2 bridge", () => {
  for (const name of ["pc-paused", "q35-paused", "pc-xbzrle-live", "q35-xbzrle-live", "pc-defaults", "q35-defaults", "pc-caps", "pc-old23"]) {
    it(`${name}: import then export is byte-identical, and QEMU loads and resumes the export`, async () => {
      await capture(name, { outDir: dir, qemu, log: () => {} });
      const mig = join(dir, `${name}.mig`);
      // Through the typed device models too: a model of today's layout must step
      // aside (for the stream's vmdesc) where an old machine type differs.
      const ber = await collect((sink) => importQemuStream(fileSource(mig), sink, { registry: defaultRegistry }));
      const exported = await collect((sink) => exportQemuStream([ber], sink, { registry: defaultRegistry }));
      const original = readFileSync(mig);
      expect(exported.length).toBe(original.length);
      expect(exported.equals(original)).toBe(true);

      const copy = join(dir, `${name}-exported.mig`);
      writeFileSync(copy, exported);
      copyFileSync(`${mig}.json`, `${copy}.json`);
      const r = (await loadCheck(copy, { qemu, resume: true })) as LoadResult;
      expect(r.registerDiff ?? [], "register differences").toEqual([]);
      expect({ registers: r.registers, ramLow: r.ramLow, ramHigh: r.ramHigh }).toEqual({ registers: true, ramLow: true, ramHigh: true });
      expect(["running", "paused"]).toContain(r.resumed);
      if (name.includes("xbzrle")) expect(ber.includes(Buffer.from([0x7f, 0xd8, 0x42]))).toBe(true);
    });
  }

  it("pipes: QEMU migrates into `qber import -`, and a second QEMU loads from `qber export ... -o -`", async () => {
    // The source: a capture run whose stream goes through `qber import -` instead of cat.
    const ber = join(dir, "piped.ber");
    await capture("pc-paused", { outDir: dir, qemu, log: () => {}, migrateUri: `exec:${process.execPath} ${qberBin} import - -o ${ber}` });
    const side = join(dir, "pc-paused.mig.json");
    // The destination reads `qber export ber -o -` through exec:.
    const target = join(dir, "piped-target.mig");
    copyFileSync(side, `${target}.json`);
    const r = (await loadCheck(target, { qemu, resume: true, incoming: `exec:${process.execPath} ${qberBin} export ${resolve(ber)} -o -` })) as LoadResult;
    expect(r.registerDiff ?? []).toEqual([]);
    expect({ registers: r.registers, ramLow: r.ramLow, ramHigh: r.ramHigh }).toEqual({ registers: true, ramLow: true, ramHigh: true });
    expect(["running", "paused"]).toContain(r.resumed);
  });
});
