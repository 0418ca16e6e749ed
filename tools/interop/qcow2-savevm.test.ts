/**
 * qcow2 internal snapshots against QEMU 7.2: `savevm` twice into a qcow2
 * drive (once paused at start, once after the BIOS has run), then qber lists
 * both as `qemu-img snapshot -l` does, extract-ram --snapshot gives the RAM
 * QEMU had at each savevm, and import then export of each loads in a fresh
 * QEMU 7.2 (a raw scratch disk in place of the qcow2) with the same
 * registers and RAM.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireOracle } from "../oracles/require.js";
// @ts-expect-error plain JS capture tooling
import { QmpClient } from "../capture/qmp.mjs";
// @ts-expect-error plain JS capture tooling
import { loadCheck } from "../capture/load-check.mjs";

const qemu = process.env.QEMU ?? "qemu-system-x86_64";
const qberBin = fileURLToPath(new URL("../../packages/cli/bin/qber.js", import.meta.url));
const RAM = 32 * 1024 * 1024;
const md5 = (b: Uint8Array): string => createHash("md5").update(b).digest("hex");

function available(): { ok: boolean; reason?: string } {
  try {
    if (!execFileSync(qemu, ["--version"], { encoding: "utf8" }).includes("version 7.2")) return { ok: false, reason: "not QEMU 7.2" };
    execFileSync("qemu-img", ["--version"], { stdio: "ignore" });
    return { ok: true };
  } catch {
    return { ok: false, reason: "qemu-system-x86_64 7.2 or qemu-img not found" };
  }
}

function qber(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [qberBin, ...args], { encoding: "utf8" });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface State {
  registers: string;
  ram: Buffer;
}

const ok = requireOracle("qemu-system-x86_64 7.2 and qemu-img", available());
const dir = mkdtempSync(join(tmpdir(), "qber-qcow2-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!ok)("qcow2 internal snapshots (QEMU 7.2 savevm)", () => {
  const disk = join(dir, "disk.qcow2");
  const states = new Map<string, State>();
  const machine = ["-M", "pc", "-m", "32", "-nodefaults", "-display", "none", "-accel", "tcg"];

  beforeAll(async () => {
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disk, "16M"]);
    const sock = join(dir, "qmp.sock");
    const child = spawn(qemu, [...machine, "-qmp", `unix:${sock},server=on,wait=off`, "-S", "-drive", `file=${disk},if=ide,format=qcow2`], { stdio: "ignore" });
    const q = await QmpClient.connect(sock, { timeoutMs: 15000 });
    try {
      const record = async (tag: string): Promise<void> => {
        await q.hmp(`savevm ${tag}`);
        const file = join(dir, `${tag}.ram`);
        await q.pmemsave(0, RAM, file);
        // QEMU's own ELF core of the same state, for dump-memory to match.
        await q.execute("dump-guest-memory", { paging: false, protocol: `file:${join(dir, `${tag}.qemu.core`)}` });
        states.set(tag, { registers: await q.infoRegisters(0), ram: readFileSync(file) });
      };
      await record("at-start");
      await q.cont();
      await new Promise((r) => setTimeout(r, 1500));
      await q.stop();
      await record("after-running");
    } finally {
      await q.quit();
      await q.close();
      child.kill("SIGTERM");
    }
  });

  it("dump-memory --snapshot of each writes QEMU's own dump-guest-memory core of that state, byte for byte", () => {
    for (const tag of ["at-start", "after-running"]) {
      const core = join(dir, `${tag}.qber.core`);
      const r = qber("-q", "dump-memory", disk, "--snapshot", tag, "-o", core);
      expect(r.status, r.stderr).toBe(0);
      expect(Buffer.compare(readFileSync(core), readFileSync(join(dir, `${tag}.qemu.core`))), tag).toBe(0);
    }
  });

  it("inspect lists both snapshots as qemu-img snapshot -l does, and exits 0", () => {
    const r = qber("inspect", disk);
    expect(r.status, r.stderr).toBe(0);
    const theirs = execFileSync("qemu-img", ["snapshot", "-l", disk], { encoding: "utf8" });
    for (const tag of ["at-start", "after-running"]) {
      const mine = r.stdout
        .split("\n")
        .find((l) => l.includes(` ${tag} `))!
        .trim()
        .split(/\s+/);
      const row = theirs
        .split("\n")
        .find((l) => l.includes(` ${tag} `))!
        .trim()
        .split(/\s+/);
      // ID, TAG, VM SIZE (number, unit), DATE (day, time), VM CLOCK; qemu-img adds ICOUNT (empty here).
      expect(mine).toEqual(row.slice(0, 7));
    }
    const json = JSON.parse(qber("inspect", disk, "--json").stdout) as { snapshots: { id: string; tag: string; vmStateSize: number }[] };
    expect(json.snapshots.map((s) => [s.id, s.tag])).toEqual([
      ["1", "at-start"],
      ["2", "after-running"],
    ]);
  });

  it("with two snapshots holding VM state, a reading command without --snapshot lists them", () => {
    const r = qber("validate", disk);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("choose one with --snapshot");
    expect(r.stderr).toContain("at-start");
    expect(r.stderr).toContain("after-running");
  });

  for (const [tag, pick] of [
    ["at-start", "1"],
    ["after-running", "after-running"],
  ] as const) {
    it(`${tag}: extract-ram --snapshot ${pick} is QEMU's RAM at savevm; import then export loads in QEMU 7.2 with the same registers and RAM`, async () => {
      const state = states.get(tag)!;
      const out = join(dir, `ram-${tag}`);
      const x = qber("extract-ram", disk, "--snapshot", pick, "-o", out);
      expect(x.status, x.stderr).toBe(0);
      const ram = readFileSync(join(out, "pc.ram.img"));
      expect(ram.length).toBe(RAM);
      // 0xa0000-0xfffff reads through the VGA/ROM windows in pmemsave, not pc.ram.
      expect(md5(ram.subarray(0, 0xa0000))).toBe(md5(state.ram.subarray(0, 0xa0000)));
      expect(md5(ram.subarray(0x100000))).toBe(md5(state.ram.subarray(0x100000)));

      const ber = join(dir, `${tag}.ber`);
      const mig = join(dir, `${tag}.mig`);
      expect(qber("import", disk, "--snapshot", pick, "-o", ber).status).toBe(0);
      expect(qber("export", ber, "-o", mig).status).toBe(0);
      const size = statSync(disk).size;
      writeFileSync(
        `${mig}.json`,
        JSON.stringify({
          command: [
            "qemu-system-x86_64",
            ...machine,
            "-qmp",
            "unix:{tmp}/qmp.sock,server=on,wait=off",
            "-S",
            "-drive",
            "file={tmp}/disk.img,if=ide,format=raw",
          ],
          files: { "disk.img": { bytes: Math.max(size, 16 << 20) } },
          registers: state.registers,
          ram: { md5: md5(state.ram), md5_0_to_a0000: md5(state.ram.subarray(0, 0xa0000)), md5_100000_to_end: md5(state.ram.subarray(0x100000)) },
        }),
      );
      const r = (await loadCheck(mig, { qemu, resume: true })) as {
        registers: boolean;
        ramLow: boolean;
        ramHigh: boolean;
        registerDiff?: string[];
        resumed?: string;
      };
      expect(r.registerDiff ?? [], "register differences").toEqual([]);
      expect({ registers: r.registers, ramLow: r.ramLow, ramHigh: r.ramHigh }).toEqual({ registers: true, ramLow: true, ramHigh: true });
      expect(["running", "paused"]).toContain(r.resumed);
    });
  }
});
