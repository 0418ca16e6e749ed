// QEMU 7.2 states saved twice: as a migration stream and as QEMU's own
// `dump-guest-memory` ELF core (paging off) of the same stopped state.
//
//   node tools/capture/dump-cases.mjs --list
//   node tools/capture/dump-cases.mjs [--out DIR] [--qemu-x86 BIN] [--qemu-aarch64 BIN]
//        [--linux-dir DIR] [--no-core] CASE...
//
// For every CASE it writes CASE.mig (QEMU's `migrate "exec:cat > FILE"`) and, unless
// --no-core, CASE.core (QMP `dump-guest-memory {paging: false, protocol: "file:..."}`)
// into DIR. The big cases' cores are as large as their RAM (3.7 GB): --no-core, or
// import `runDumpCase` and give `dumpPath` a FIFO so the core streams into a reader.
//
// The linux case boots a Debian kernel with a busybox initramfs that this script builds.
// --linux-dir (or $QBER_LINUX_GUEST) names a directory holding `vmlinuz` and `busybox`
// (a static busybox): e.g. `apt-get download linux-image-6.1.0-NN-amd64 busybox-static`,
// `dpkg -x` both, then copy boot/vmlinuz-* to DIR/vmlinuz and bin/busybox to DIR/busybox.
//
// Order of events per case: start QEMU with -S, optionally `cont` and run (firmware,
// or the Linux guest until its marker line reaches the serial log), `stop`, migrate
// to the file (the stream now holds the stopped state), then dump that same state.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { QmpClient, spawnQemu } from "./qmp.mjs";

/** The line the Linux guest's /init prints on the serial console once user space runs. */
export const LINUX_MARKER = "QBER-GUEST-UP";

/**
 * arch: which QEMU binary; runMs: how long the guest runs before `stop` (0: never
 * started, reset state); linux: boot the Debian kernel and wait for LINUX_MARKER.
 */
export const DUMP_CASES = {
  "linux-q35": {
    description: "q35, 256 MiB, 2 vCPUs: Debian kernel + busybox initramfs booted to user space (long mode)",
    arch: "x86_64",
    args: ["-M", "q35", "-m", "256", "-smp", "2"],
    linux: true,
    ramBytes: 256 * 2 ** 20,
  },
  "pc-3712": {
    description: "pc, 3712 MiB (3 GiB below 4 GiB, 640 MiB above), 2 vCPUs, SeaBIOS runs 1 s",
    arch: "x86_64",
    args: ["-M", "pc", "-m", "3712", "-smp", "2"],
    runMs: 1000,
    ramBytes: 3712 * 2 ** 20,
  },
  "q35-3g": {
    description: "q35, 3 GiB (2 GiB below 4 GiB, 1 GiB above), 2 vCPUs, SeaBIOS runs 1 s",
    arch: "x86_64",
    args: ["-M", "q35", "-m", "3072", "-smp", "2"],
    runMs: 1000,
    ramBytes: 3072 * 2 ** 20,
  },
  "pc-bios-32": {
    description: "pc, 32 MiB, 1 vCPU, SeaBIOS runs 2 s (no bootable device)",
    arch: "x86_64",
    args: ["-M", "pc", "-m", "32"],
    runMs: 2000,
    ramBytes: 32 * 2 ** 20,
  },
  "pc-reset-32": {
    description: "pc, 32 MiB, 1 vCPU, never started (reset state: PAM regions show the BIOS and pc.rom)",
    arch: "x86_64",
    args: ["-M", "pc", "-m", "32"],
    runMs: 0,
    ramBytes: 32 * 2 ** 20,
  },
  "virt-aarch64": {
    description: "aarch64 virt, cortex-a57, 64 MiB, 2 vCPUs, no firmware, runs 300 ms",
    arch: "aarch64",
    args: ["-M", "virt", "-cpu", "cortex-a57", "-m", "64", "-smp", "2"],
    runMs: 300,
    ramBytes: 64 * 2 ** 20,
  },
};

const COMMON_ARGS = ["-nodefaults", "-display", "none", "-accel", "tcg"];

/** Where the Linux guest's files are: --linux-dir / $QBER_LINUX_GUEST, with vmlinuz and busybox. */
export function linuxGuestDir(dir = process.env.QBER_LINUX_GUEST) {
  if (!dir) return undefined;
  return existsSync(join(dir, "vmlinuz")) && existsSync(join(dir, "busybox")) ? dir : undefined;
}

// ---- initramfs: a cpio "newc" archive (the format the kernel unpacks) ----------------

function cpioEntry(name, mode, data = Buffer.alloc(0), rdev = [0, 0], ino = 1) {
  const hex = (n) => n.toString(16).padStart(8, "0");
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], name.length + 1, 0];
  const head = Buffer.from(`070701${fields.map(hex).join("")}${name}\0`, "latin1");
  const pad = (n) => Buffer.alloc((4 - (n % 4)) % 4);
  return Buffer.concat([head, pad(head.length), data, pad(data.length)]);
}

/** gzip'ed initramfs: busybox, and an /init that mounts proc and sys, prints the marker, idles. */
export function buildInitramfs(busybox) {
  const init = [
    "#!/bin/busybox sh",
    "/bin/busybox mount -t proc proc /proc",
    "/bin/busybox mount -t sysfs sys /sys",
    `echo ${LINUX_MARKER}`,
    "while :; do /bin/busybox sleep 1; done",
    "",
  ].join("\n");
  const entries = [
    cpioEntry("bin", 0o40755, undefined, undefined, 1),
    cpioEntry("dev", 0o40755, undefined, undefined, 2),
    cpioEntry("dev/console", 0o20600, undefined, [5, 1], 3), // the kernel opens it for /init's stdio
    cpioEntry("proc", 0o40755, undefined, undefined, 4),
    cpioEntry("sys", 0o40755, undefined, undefined, 5),
    cpioEntry("bin/busybox", 0o100755, busybox, undefined, 6),
    cpioEntry("init", 0o100755, Buffer.from(init), undefined, 7),
    cpioEntry("TRAILER!!!", 0, undefined, undefined, 0),
  ];
  return gzipSync(Buffer.concat(entries));
}

// ---- one case ----------------------------------------------------------------------

function waitExit(child, ms) {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode) return res(child.exitCode ?? child.signalCode);
    const t = setTimeout(() => child.kill("SIGKILL"), ms);
    child.once("exit", (code, sig) => {
      clearTimeout(t);
      res(code ?? sig);
    });
  });
}

/**
 * Run one case: QEMU runs the guest, stops it, migrates it to `migPath`, then dumps the
 * same state to `dumpPath` (a regular file or a FIFO; skipped when undefined).
 * `beforeDump({migPath, command})` runs after the migration completed and before the
 * dump starts (a test starts the reader of a FIFO there); `afterDump()` after it.
 * Returns { command, registers (CPU 0 `info registers`), serial (Linux log) }.
 */
export async function runDumpCase(
  name,
  {
    migPath,
    dumpPath,
    qemuX86 = "qemu-system-x86_64",
    qemuAarch64 = "qemu-system-aarch64",
    linuxDir = linuxGuestDir(),
    beforeDump,
    afterDump,
    log = () => {},
    bootTimeoutMs = 120000,
  } = {},
) {
  const spec = DUMP_CASES[name];
  if (!spec) throw new Error(`unknown dump case ${name}; known: ${Object.keys(DUMP_CASES).join(", ")}`);
  if (!migPath) throw new Error("runDumpCase: migPath is required");
  const tmp = mkdtempSync(join(tmpdir(), "qber-dump-case-"));
  const sock = join(tmp, "qmp.sock");
  const serial = join(tmp, "serial.log");
  const qemu = spec.arch === "aarch64" ? qemuAarch64 : qemuX86;
  const args = [...spec.args, ...COMMON_ARGS, "-qmp", `unix:${sock},server=on,wait=off`, "-S"];
  if (spec.linux) {
    if (!linuxDir) throw new Error(`${name}: needs a Linux guest directory (vmlinuz, busybox): --linux-dir or QBER_LINUX_GUEST`);
    writeFileSync(join(tmp, "initrd.gz"), buildInitramfs(readFileSync(join(linuxDir, "busybox"))));
    args.push("-kernel", join(linuxDir, "vmlinuz"), "-initrd", join(tmp, "initrd.gz"), "-append", "console=ttyS0 quiet panic=-1", "-serial", `file:${serial}`);
  }
  log(`[${name}] ${qemu} ${args.join(" ")}`);
  const { child, exited, output } = spawnQemu(qemu, args);
  let q;
  try {
    q = await Promise.race([QmpClient.connect(sock, { timeoutMs: 15000 }), exited]);
    if (spec.linux) {
      await q.cont();
      const t0 = Date.now();
      while (!(existsSync(serial) && readFileSync(serial, "latin1").includes(LINUX_MARKER))) {
        if (Date.now() - t0 > bootTimeoutMs) throw new Error(`no "${LINUX_MARKER}" on the serial console after ${bootTimeoutMs} ms`);
        await Promise.race([sleep(200), exited]);
      }
      log(`[${name}] guest up after ${Date.now() - t0} ms`);
      await sleep(500); // let the vCPUs settle into the idle loop
    } else if (spec.runMs) {
      await q.cont();
      await sleep(spec.runMs);
    }
    await q.stop();
    await q.migrate(`exec:cat > ${migPath}`);
    await q.waitMigration({ intervalMs: 50, timeoutMs: 300000 });
    const registers = await q.infoRegisters(0);
    const command = [qemu, ...args];
    if (dumpPath) {
      await beforeDump?.({ migPath, command });
      await q.execute("dump-guest-memory", { paging: false, protocol: `file:${dumpPath}` });
      await afterDump?.();
    }
    await q.quit();
    await q.close();
    await waitExit(child, 10000);
    return { command, registers, serial: existsSync(serial) ? readFileSync(serial, "latin1") : undefined };
  } catch (e) {
    e.message = `[${name}] ${e.message}${output().trim() ? `\nQEMU stderr: ${output().trim()}` : ""}`;
    throw e;
  } finally {
    try {
      await q?.close();
    } catch {}
    if (child.exitCode === null && !child.signalCode) {
      child.kill("SIGTERM");
      await waitExit(child, 5000);
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const opt = (k) => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv.splice(i, 2)[1] : undefined;
  };
  const flag = (k) => {
    const i = argv.indexOf(k);
    if (i >= 0) argv.splice(i, 1);
    return i >= 0;
  };
  if (flag("--list")) {
    for (const [n, s] of Object.entries(DUMP_CASES)) console.log(`${n.padEnd(14)} ${s.description}`);
    return;
  }
  const outDir = resolve(opt("--out") ?? ".");
  const qemuX86 = opt("--qemu-x86");
  const qemuAarch64 = opt("--qemu-aarch64");
  const linuxDir = linuxGuestDir(opt("--linux-dir") ?? process.env.QBER_LINUX_GUEST);
  const noCore = flag("--no-core");
  if (!argv.length) {
    console.error("usage: node tools/capture/dump-cases.mjs [--out DIR] [--qemu-x86 BIN] [--qemu-aarch64 BIN] [--linux-dir DIR] [--no-core] CASE... | --list");
    process.exit(2);
  }
  mkdirSync(outDir, { recursive: true });
  for (const name of argv) {
    const r = await runDumpCase(name, {
      migPath: join(outDir, `${name}.mig`),
      dumpPath: noCore ? undefined : join(outDir, `${name}.core`),
      qemuX86,
      qemuAarch64,
      linuxDir,
      log: console.log,
    });
    console.log(`[${name}] ${join(outDir, `${name}.mig`)}${noCore ? "" : ` and ${name}.core`}\n${r.registers.split("\n").slice(0, 3).join("\n")}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
