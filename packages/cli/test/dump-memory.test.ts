/**
 * qber dump-memory without QEMU (tools/interop/dump-memory.test.ts compares
 * with QEMU's own dumps): the core's ranges hold what extract-ram rebuilds
 * for their blocks (XBZRLE deltas applied), --format raw and -o -, and what
 * is refused.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { qemu72Fixtures as fixtures } from "@qber/test-support";

const dir = mkdtempSync(join(tmpdir(), "qber-dump-memory-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** [file offset, guest-physical address, size] of each PT_LOAD. */
function loads(core: Buffer): [number, number, number][] {
  const phoff = Number(core.readBigUInt64LE(32));
  return Array.from({ length: core.readUInt16LE(56) }, (_, i) => phoff + 56 * i)
    .filter((p) => core.readUInt32LE(p) === 1)
    .map((p) => [Number(core.readBigUInt64LE(p + 8)), Number(core.readBigUInt64LE(p + 24)), Number(core.readBigUInt64LE(p + 32))]);
}

describe("qber dump-memory", () => {
  it("a live XBZRLE capture: every range holds its block's rebuilt bytes; raw and -o - agree", async () => {
    const mig = join(fixtures, "pc-xbzrle-live.mig");
    const core = join(dir, "live.core");
    const r = await runCli(["dump-memory", mig, "-o", core]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("pc-i440fx-7.2, 1 vCPU");
    expect(r.stdout).toContain("0x0000e0000-0x0000fffff  pc.bios +0x20000");
    expect((await runCli(["extract-ram", mig, "-o", join(dir, "ram")])).code).toBe(0);
    const image = (name: string) => readFileSync(join(dir, "ram", `${name}.img`));
    const [ram, bios, rom] = [image("pc.ram"), image("pc.bios"), image("pc.rom")];
    const c = readFileSync(core);
    const got = loads(c).map(([off, paddr, size]) => [paddr, c.subarray(off, off + size)] as const);
    expect(got.map(([p]) => p)).toEqual([0, 0xc0000, 0xe0000, 0x100000, 0xfffc0000]);
    expect(got[0]![1].equals(ram.subarray(0, 0xc0000))).toBe(true);
    expect(got[1]![1].equals(rom)).toBe(true);
    expect(got[2]![1].equals(bios.subarray(0x20000))).toBe(true);
    expect(got[3]![1].equals(ram.subarray(0x100000))).toBe(true);
    expect(got[4]![1].equals(bios)).toBe(true);

    const raw = join(dir, "live.raw");
    expect((await runCli(["dump-memory", mig, "--format", "raw", "-o", raw])).code).toBe(0);
    expect(statSync(raw).size).toBe(0x100000000);
    const viaStdout = await runCli(["dump-memory", mig, "-o", "-"]);
    expect(viaStdout.code).toBe(0);
    expect(viaStdout.stdoutBytes.equals(c)).toBe(true);
  });

  it("inspect --json gives the same guest-physical map, or why it is not known; the report labels the RAM maps with it", async () => {
    const r = JSON.parse((await runCli(["inspect", "--json", join(fixtures, "pc-never-run.mig")])).stdout) as {
      guestPhysical: { ranges: { start: number; length: number; block: string; offset: number }[] };
    };
    expect(r.guestPhysical.ranges.map((x) => [x.start, x.length, x.block, x.offset])).toEqual([
      [0, 0xc0000, "pc.ram", 0],
      [0xc0000, 0x20000, "pc.rom", 0],
      [0xe0000, 0x20000, "pc.bios", 0x20000],
      [0x100000, 0x1f00000, "pc.ram", 0x100000],
      [0xfffc0000, 0x40000, "pc.bios", 0],
    ]);
    const report = join(dir, "report.html");
    expect((await runCli(["report", join(fixtures, "pc-never-run.mig"), "-o", report])).code).toBe(0);
    expect(readFileSync(report, "utf8")).toContain("guest-physical 0xe0000-0xfffff (block +0x20000), 0xfffc0000-0xffffffff (block +0x0)");
    const addons = JSON.parse((await runCli(["inspect", "--json", join(fixtures, "pc-addons.mig")])).stdout) as { guestPhysical: { error: string } };
    expect(addons.guestPhysical.error).toMatch(/vga\.vram/);
  });

  it("refuses RAM it cannot place (a VGA's video RAM), stdin, and an unknown format", async () => {
    const vga = await runCli(["dump-memory", join(fixtures, "pc-addons.mig"), "-o", join(dir, "addons.core")]);
    expect(vga.code).toBe(1);
    expect(vga.stderr).toMatch(/vga\.vram.*not modelled/);
    expect((await runCli(["dump-memory", "-", "-o", join(dir, "x.core")])).stderr).toMatch(/reads its input twice/);
    expect((await runCli(["dump-memory", join(fixtures, "pc-paused.mig"), "--format", "qcow2", "-o", join(dir, "x.core")])).code).toBe(2);
  });
});
