/**
 * `qber dump-memory` against QEMU 7.2's own dump-guest-memory (QMP, paging
 * off) of the same state. Each case runs in QEMU here: the guest runs, is
 * stopped, migrated to a file, then QEMU dumps it into a FIFO that `cmp`
 * reads against qber's core of the stream; the core of the stream's BER
 * import must be the same file. gdb reads the registers from qber's core and
 * readelf reads it without a complaint.
 *
 * The big-RAM cases never put QEMU's multi-GB core on disk (it streams
 * through the FIFO); qber's cores are sparse files, about as large on disk
 * as the guest's non-zero pages.
 */
import { execFileSync, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { requireOracle } from "../oracles/require.js";
// @ts-expect-error plain JS capture tooling
import { linuxGuestDir, runDumpCase } from "../capture/dump-cases.mjs";

const qemuX86 = process.env.QEMU ?? "qemu-system-x86_64";
const qemuAarch64 = process.env.QEMU_AARCH64 ?? "qemu-system-aarch64";

function version72(bin: string): boolean {
  try {
    return execFileSync(bin, ["--version"], { encoding: "utf8" }).includes("version 7.2");
  } catch {
    return false;
  }
}
function runs(bin: string, args: string[]): boolean {
  try {
    execFileSync(bin, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const tools = runs("gdb-multiarch", ["--version"]) && runs("readelf", ["--version"]) && runs("cmp", ["--version"]) && runs("mkfifo", ["--version"]);
const x86 = version72(qemuX86) && tools;
const arm = version72(qemuAarch64) && tools;
const linuxDir = linuxGuestDir() as string | undefined;

const dir = mkdtempSync(join(tmpdir(), "qber-dump-memory-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const qber = fileURLToPath(new URL("../../packages/cli/bin/qber.js", import.meta.url));
const qberRun = (...args: string[]) => execFileSync(process.execPath, [qber, "-q", ...args], { encoding: "utf8" });

/** cmp's exit code and output once both inputs are read. */
function cmp(a: string, b: string): { done: Promise<{ code: number | null; out: string }>; kill: () => void } {
  const child = spawn("cmp", [a, b], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return { done: new Promise((resolve) => child.once("exit", (code) => resolve({ code, out }))), kill: () => child.kill("SIGKILL") };
}

/** The PT_LOADs of an ELF64 core: [file offset, guest-physical address, size]. */
function loads(core: string): [number, number, number][] {
  const fd = openSync(core, "r");
  try {
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    const phoff = Number(h.readBigUInt64LE(32));
    const phnum = h.readUInt16LE(56);
    const ph = Buffer.alloc(56 * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    const out: [number, number, number][] = [];
    for (let i = 0; i < phnum; i++) {
      if (ph.readUInt32LE(56 * i) !== 1) continue;
      out.push([Number(ph.readBigUInt64LE(56 * i + 8)), Number(ph.readBigUInt64LE(56 * i + 24)), Number(ph.readBigUInt64LE(56 * i + 32))]);
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Whether `raw` holds each PT_LOAD of `core` at its guest-physical address; the first difference, else "". */
function rawMatchesCore(core: string, raw: string): string {
  const a = openSync(core, "r");
  const b = openSync(raw, "r");
  const x = Buffer.alloc(1 << 20);
  const y = Buffer.alloc(1 << 20);
  try {
    for (const [offset, paddr, size] of loads(core)) {
      for (let done = 0; done < size; done += x.length) {
        const n = Math.min(x.length, size - done);
        readSync(a, x, 0, n, offset + done);
        const got = readSync(b, y, 0, n, paddr + done);
        if (got !== n || !x.subarray(0, n).equals(y.subarray(0, n))) return `range at 0x${paddr.toString(16)} differs near +0x${done.toString(16)}`;
      }
    }
    return "";
  } finally {
    closeSync(a);
    closeSync(b);
  }
}

interface Case {
  readonly name: string;
  readonly available: boolean;
  /** The registers gdb must show, and the first PT_LOAD's guest-physical address. */
  readonly gdbRegister: RegExp;
  readonly firstLoad: string;
  /** Also check --format raw (small guests only: it reads every range again). */
  readonly raw?: boolean;
}

const CASES: readonly Case[] = [
  { name: "pc-bios-32", available: x86, gdbRegister: /^eip\s+0x/m, firstLoad: "0x0000000000000000" },
  { name: "pc-reset-32", available: x86, gdbRegister: /^eip\s+0xfff0\s/m, firstLoad: "0x0000000000000000", raw: true },
  { name: "linux-q35", available: x86 && linuxDir !== undefined, gdbRegister: /^rip\s+0xffffffff/m, firstLoad: "0x0000000000000000", raw: true },
  { name: "pc-3712", available: x86, gdbRegister: /^eip\s+0x/m, firstLoad: "0x0000000000000000" },
  { name: "q35-3g", available: x86, gdbRegister: /^eip\s+0x/m, firstLoad: "0x0000000000000000" },
  { name: "virt-aarch64", available: arm, gdbRegister: /^pc\s+0x/m, firstLoad: "0x0000000040000000", raw: true },
];

describe("qber dump-memory is byte-identical to QEMU 7.2's dump-guest-memory", () => {
  for (const c of CASES) {
    const why =
      c.name === "linux-q35"
        ? "qemu-system-x86_64 7.2, a Linux guest (QBER_LINUX_GUEST), gdb-multiarch, readelf, cmp"
        : `${c.name === "virt-aarch64" ? "qemu-system-aarch64" : "qemu-system-x86_64"} 7.2, gdb-multiarch, readelf, cmp`;
    it.skipIf(!requireOracle(why, c.available))(`${c.name}: from the stream and from its BER import`, { timeout: 600_000 }, async () => {
      const mig = join(dir, `${c.name}.mig`);
      const ber = join(dir, `${c.name}.ber`);
      const ours = join(dir, `${c.name}.core`);
      const oursFromBer = join(dir, `${c.name}.ber.core`);
      const fifo = join(dir, `${c.name}.fifo`);
      execFileSync("mkfifo", [fifo]);
      let compared: ReturnType<typeof cmp> | undefined;
      try {
        await runDumpCase(c.name, {
          migPath: mig,
          dumpPath: fifo,
          qemuX86,
          qemuAarch64,
          linuxDir,
          beforeDump: () => {
            qberRun("dump-memory", mig, "-o", ours);
            compared = cmp(fifo, ours);
          },
        });
      } catch (e) {
        compared?.kill(); // still waiting for QEMU to open the FIFO
        throw e;
      }
      const qemuVsOurs = await compared!.done;
      expect(qemuVsOurs.out, "cmp of QEMU's core (FIFO) and qber's").toBe("");
      expect(qemuVsOurs.code).toBe(0);

      qberRun("import", mig, "-o", ber);
      qberRun("dump-memory", ber, "-o", oursFromBer);
      const berVsStream = await cmp(ours, oursFromBer).done;
      expect(berVsStream.out, "cmp of the cores from the stream and from its BER import").toBe("");
      expect(berVsStream.code).toBe(0);

      const gdb = execFileSync("gdb-multiarch", ["-batch", "-c", ours, "-ex", "info registers"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      expect(gdb).toMatch(c.gdbRegister);
      const readelf = spawn("readelf", ["-a", "-W", ours], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      readelf.stdout.on("data", (d: Buffer) => (out += d.toString()));
      readelf.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const code = await new Promise((resolve) => readelf.once("exit", resolve));
      expect({ code, err }).toEqual({ code: 0, err: "" });
      expect(out).toMatch(new RegExp(`LOAD\\s+0x[0-9a-f]+ ${c.firstLoad} ${c.firstLoad}`));
      if (c.raw) {
        const raw = join(dir, `${c.name}.raw`);
        qberRun("dump-memory", ber, "--format", "raw", "-o", raw);
        expect(rawMatchesCore(ours, raw)).toBe("");
        const end = Math.max(...loads(ours).map(([, paddr, size]) => paddr + size));
        const st = statSync(raw);
        expect(st.size).toBe(end);
        // The gaps between ranges (e.g. RAM's end to the BIOS below 4 GiB) are holes.
        expect(st.blocks * 512).toBeLessThan(st.size);
        rmSync(raw);
      }
      rmSync(ours);
      rmSync(oursFromBer);
      rmSync(ber);
      rmSync(mig);
    });
  }
});
