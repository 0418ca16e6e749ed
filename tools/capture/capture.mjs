// Capture real QEMU 7.2 migration streams as test fixtures.
//
//   node tools/capture/capture.mjs --all                 # every capture -> fixtures/qemu-7.2/
//   node tools/capture/capture.mjs pc-paused [more...]   # selected captures
//   node tools/capture/capture.mjs --list
//   options: --out DIR   (default: <repo>/fixtures/qemu-7.2)
//            --qemu BIN  (default: qemu-system-x86_64, or $QEMU)
//            --guest NAME  override the guest of live captures (e.g. dirtier-noinvlpg)
//            --keep-tmp    keep the temporary directory (QMP socket, images, stderr)
//
// For every capture NAME it writes NAME.mig (the stream, produced by QEMU itself with
// `migrate "exec:cat > FILE"`) and NAME.mig.json (sidecar: command line, CPU 0 `info
// registers`, md5 of guest RAM saved with `pmemsave`, QEMU version, migration stats,
// record counts). It then walks the written stream (count-records.mjs) and checks the
// RAM rebuilt from the stream against the pmemsave dump.

import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { QmpClient, spawnQemu } from "./qmp.mjs";
import { GUESTS, biosImage, DIRTIER_CLASSES } from "./guest.mjs";
import { walkStream, reconstructRam } from "./count-records.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..", "..");
const DEFAULT_OUT = join(REPO, "fixtures", "qemu-7.2");
const RAM_MB = 32;
const RAM_SIZE = RAM_MB * 1024 * 1024;

// Placeholders in `extra` args: {tmp} = temporary directory of this run.
const ADDON_ARGS = [
  "-device",
  "isa-serial", // COM1, no chardev backend
  "-chardev",
  "null,id=par0", // isa-parallel refuses to start without a chardev
  "-device",
  "isa-parallel,chardev=par0",
  "-device",
  "VGA",
  "-device",
  "e1000,romfile=", // no option ROM: no ipxe needed, smaller stream
  "-device",
  "virtio-net-pci,romfile=",
  "-device",
  "usb-ehci",
  "-device",
  "piix3-usb-uhci",
  "-drive",
  "if=none,id=disk0,file={tmp}/disk.img,format=raw",
  "-device",
  "ide-hd,drive=disk0,bus=ide.0,unit=0",
];

/**
 * mode 'paused': started with -S; if bootMs > 0: cont, let the firmware run bootMs, then
 *                stop; record registers/RAM; migrate the paused VM.
 * mode 'live':   started with -S, capabilities/parameters set, cont, guest dirties RAM,
 *                migrate while running; downtime-limit is kept tiny (no convergence) until
 *                `syncs` dirty-bitmap syncs happened, then raised so the migration completes.
 */
export const CAPTURES = {
  "pc-paused": {
    description: "-M pc, default SeaBIOS runs for 2 s (POST, no bootable device), then stop; like the reference stream",
    machine: "pc",
    mode: "paused",
    bootMs: 2000,
    extra: [],
  },
  "q35-paused": {
    description: "-M q35, default SeaBIOS runs for 2 s, then stop",
    machine: "q35",
    mode: "paused",
    bootMs: 2000,
    extra: [],
  },
  "pc-addons": {
    description:
      "-M pc plus isa-serial, isa-parallel, VGA, e1000, virtio-net-pci, usb-ehci, piix3-usb-uhci and an IDE disk; SeaBIOS runs for 2 s (configures the PCI devices), then stop",
    machine: "pc",
    mode: "paused",
    bootMs: 2000,
    extra: ADDON_ARGS,
    disk: true,
  },
  "pc-defaults": {
    description: "-M pc with its default devices (no -nodefaults: VGA, e1000, serial, parallel, floppy, IDE CD-ROM); SeaBIOS runs for 2 s, then stop",
    machine: "pc",
    mode: "paused",
    bootMs: 2000,
    extra: [],
    defaults: true,
  },
  "q35-defaults": {
    description: "-M q35 with its default devices (no -nodefaults); SeaBIOS runs for 2 s, then stop",
    machine: "q35",
    mode: "paused",
    bootMs: 2000,
    extra: [],
    defaults: true,
  },
  "pc-caps": {
    description:
      "-M pc with -uuid, capabilities x-ignore-shared and validate-uuid (configuration subsections, mr_addr in the RAM block list); SeaBIOS runs 2 s, then stop",
    machine: "pc",
    mode: "paused",
    bootMs: 2000,
    extra: ["-uuid", "12345678-9abc-def0-1122-334455667788"],
    capabilities: { "x-ignore-shared": true, "validate-uuid": true },
  },
  "pc-old23": {
    description: "-M pc-i440fx-2.3: an old machine type, whose streams have no configuration section and no section footers; SeaBIOS runs 2 s, then stop",
    machine: "pc-i440fx-2.3",
    mode: "paused",
    bootMs: 2000,
    extra: [],
  },
  "pc-never-run": {
    description: "-M pc, started with -S and never run (reset state, pc.ram all zero)",
    machine: "pc",
    mode: "paused",
    bootMs: 0,
    extra: [],
  },
  "pc-xbzrle-live": {
    description: '-M pc, running "dirtier" guest (firmware image), live migration with xbzrle, throttled',
    machine: "pc",
    mode: "live",
    guest: "dirtier",
    extra: [],
  },
  "q35-xbzrle-live": {
    description: '-M q35, running "dirtier" guest (firmware image), live migration with xbzrle, throttled',
    machine: "q35",
    mode: "live",
    guest: "dirtier",
    extra: [],
  },
};

const LIVE = {
  maxBandwidth: 1024 * 1024, // bytes/s
  syncs: 8, // dirty-bitmap syncs before we let it converge
  runBeforeMigrateMs: 300,
  finalDowntimeMs: 2000,
};

const md5 = (b) => createHash("md5").update(b).digest("hex");

function waitExit(child, ms) {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode) return res(child.exitCode ?? child.signalCode);
    const t = setTimeout(() => {
      child.kill("SIGKILL");
    }, ms);
    child.once("exit", (code, sig) => {
      clearTimeout(t);
      res(code ?? sig);
    });
  });
}

export async function capture(
  name,
  { outDir = DEFAULT_OUT, qemu = process.env.QEMU || "qemu-system-x86_64", guestOverride, keepTmp = false, log = console.log, migrateUri } = {},
) {
  const spec = CAPTURES[name];
  if (!spec) throw new Error(`unknown capture ${name}; known: ${Object.keys(CAPTURES).join(", ")}`);
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), "qber-capture-"));
  const sock = join(tmp, "qmp.sock");
  const migFile = join(outDir, `${name}.mig`);
  const partFile = join(tmp, "stream.mig");
  const guest = spec.mode === "live" ? (guestOverride ?? spec.guest) : spec.guest;

  const files = {};
  if (guest) {
    writeFileSync(join(tmp, "guest.rom"), biosImage(GUESTS[guest]()));
    files["guest.rom"] = { guest, bytes: 256 * 1024, md5: md5(readFileSync(join(tmp, "guest.rom"))) };
  }
  if (spec.disk) {
    writeFileSync(join(tmp, "disk.img"), Buffer.alloc(1024 * 1024));
    files["disk.img"] = { bytes: 1024 * 1024, content: "zeros" };
  }

  // The command line as documented (with {tmp} placeholders), and as executed.
  const argsDoc = [
    "-M",
    spec.machine,
    "-m",
    String(RAM_MB),
    ...(spec.defaults ? [] : ["-nodefaults"]),
    "-display",
    "none",
    "-accel",
    "tcg",
    "-qmp",
    "unix:{tmp}/qmp.sock,server=on,wait=off",
    "-S",
    ...(guest ? ["-bios", "{tmp}/guest.rom"] : []),
    ...spec.extra,
  ];
  const args = argsDoc.map((a) => a.replaceAll("{tmp}", tmp));
  log(`[${name}] ${qemu} ${argsDoc.join(" ")}`);

  const { child, exited, output } = spawnQemu(qemu, args);

  let q;
  try {
    q = await Promise.race([QmpClient.connect(sock, { timeoutMs: 15000 }), exited]);
    const version = await q.execute("query-version");
    const sidecar = {
      name,
      description: spec.description,
      qemu: { binary: qemu, version: `${version.qemu.major}.${version.qemu.minor}.${version.qemu.micro}`, package: version.package },
      command: ["qemu-system-x86_64", ...argsDoc],
      tmpPlaceholder: "{tmp} is a fresh temporary directory of the capture run",
      files,
      mode: spec.mode,
    };
    if (guest) {
      sidecar.guest = { name: guest, loadedAs: "-bios image (256 KiB): reset stub copies the boot sector to 0000:7c00" };
      if (guest.startsWith("dirtier")) sidecar.guest.classes = DIRTIER_CLASSES;
    }

    let record;
    const recordState = async () => {
      await q.stop();
      const status = await q.queryStatus();
      const registers = await q.infoRegisters(0);
      const dump = join(tmp, "ram.bin");
      await q.pmemsave(0, RAM_SIZE, dump);
      const ram = readFileSync(dump);
      rmSync(dump);
      if (ram.length !== RAM_SIZE) throw new Error(`pmemsave wrote ${ram.length} bytes`);
      record = {
        status: status.status,
        registers,
        ram: {
          how: `pmemsave val=0 size=${RAM_SIZE} (guest-physical; 0xa0000-0xfffff reads through the VGA/ROM windows, not pc.ram)`,
          md5: md5(ram),
          md5_0_to_a0000: md5(ram.subarray(0, 0xa0000)),
          md5_100000_to_end: md5(ram.subarray(0x100000)),
          nonzeroPages: countNonZeroPages(ram),
        },
      };
      return ram;
    };

    let migInfo;
    const polls = [];
    if (spec.mode === "paused") {
      if (spec.bootMs) {
        await q.cont();
        await sleep(spec.bootMs);
      }
      sidecar.ranBeforeStopMs = spec.bootMs;
      await recordState();
      if (spec.capabilities) {
        await q.migrateSetCapabilities(spec.capabilities);
        sidecar.migration = { capabilities: spec.capabilities };
      }
      await q.migrate(migrateUri ?? `exec:cat > ${partFile}`);
      migInfo = await q.waitMigration({ intervalMs: 50, timeoutMs: 120000 });
    } else {
      await q.migrateSetCapabilities({ xbzrle: true });
      await q.migrateSetParameters({ "max-bandwidth": LIVE.maxBandwidth, "downtime-limit": 1 });
      sidecar.migration = {
        capabilities: { xbzrle: true },
        parameters: { "max-bandwidth": LIVE.maxBandwidth, "downtime-limit": `1 until ${LIVE.syncs} dirty syncs, then ${LIVE.finalDowntimeMs}` },
      };
      await q.cont();
      await sleep(LIVE.runBeforeMigrateMs);
      await q.migrate(migrateUri ?? `exec:cat > ${partFile}`);
      let released = false;
      migInfo = await q.waitMigration({
        intervalMs: 20,
        timeoutMs: 300000,
        onPoll: (info) => {
          const syncs = info.ram?.["dirty-sync-count"] ?? 0;
          polls.push({ status: info.status, syncs });
          if (!released && syncs >= LIVE.syncs) {
            released = true;
            q.migrateSetParameters({ "downtime-limit": LIVE.finalDowntimeMs }).catch(() => {});
          }
        },
      });
      await recordState(); // source is postmigrate (paused); stop is a no-op
    }
    Object.assign(sidecar, record);
    sidecar.migrationResult = {
      status: migInfo.status,
      "total-time": migInfo["total-time"],
      downtime: migInfo.downtime,
      ram: migInfo.ram && {
        transferred: migInfo.ram.transferred,
        "dirty-sync-count": migInfo.ram["dirty-sync-count"],
        duplicate: migInfo.ram.duplicate,
        normal: migInfo.ram.normal,
      },
      xbzrle: migInfo["xbzrle-cache"],
    };

    await q.quit();
    await q.close();
    await waitExit(child, 10000);

    // A stream sent elsewhere (migrateUri) is the receiver's to check; keep the source's record.
    if (migrateUri) {
      writeFileSync(`${migFile}.json`, `${JSON.stringify(sidecar, null, 2)}\n`);
      return sidecar;
    }

    // --- check the stream and finish the sidecar ---
    const buf = readFileSync(partFile);
    const head = buf.subarray(0, 8).toString("hex");
    if (head !== "5145564d00000003") throw new Error(`stream starts with ${head}`);
    const w = walkStream(buf);
    const { blocks } = reconstructRam(buf);
    const pcram = blocks.get("pc.ram");
    const ramCheck = {
      low: md5(pcram.subarray(0, 0xa0000)) === record.ram.md5_0_to_a0000,
      high: md5(pcram.subarray(0x100000)) === record.ram.md5_100000_to_end,
    };
    sidecar.stream = {
      file: `${name}.mig`,
      bytes: buf.length,
      md5: md5(buf),
      machine: w.configuration?.machine,
      blocks: w.blocks,
      sections: w.counts,
      records: { ZERO: w.totals.ZERO, PAGE: w.totals.PAGE, XBZRLE: w.totals.XBZRLE, XBZRLE_payload_bytes: w.totals.XBZRLE_bytes },
      devices: w.devices.length,
      vmdesc: w.vmdesc && { offset: w.vmdesc.offset, bytes: w.vmdesc.length },
      rebuiltRamMatchesPmemsave: ramCheck,
      rebuiltBlockMd5: Object.fromEntries([...blocks].map(([n, b]) => [n, md5(b)])),
    };
    if (polls.length) sidecar.migrationPolls = summarizePolls(polls);
    if (output().trim()) sidecar.qemuStderr = output().trim().split("\n");
    if (!ramCheck.low || !ramCheck.high) log(`[${name}] WARNING: RAM rebuilt from stream differs from pmemsave`);

    renameOrCopy(partFile, migFile);
    writeFileSync(`${migFile}.json`, `${JSON.stringify(sidecar, null, 2)}\n`);
    log(
      `[${name}] ${relative(process.cwd(), migFile)}: ${buf.length} bytes; sections START ${w.counts.START} PART ${w.counts.PART} END ${w.counts.END} FULL ${w.counts.FULL}; ` +
        `ZERO ${w.totals.ZERO} PAGE ${w.totals.PAGE} XBZRLE ${w.totals.XBZRLE}; RAM check ${ramCheck.low && ramCheck.high ? "ok" : "MISMATCH"}`,
    );
    return sidecar;
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
    if (!keepTmp) rmSync(tmp, { recursive: true, force: true });
    else log(`[${name}] kept ${tmp}`);
  }
}

function countNonZeroPages(ram) {
  let n = 0;
  for (let off = 0; off < ram.length; off += 4096) {
    const p = ram.subarray(off, off + 4096);
    for (let i = 0; i < p.length; i += 8) {
      if (p.readBigUInt64LE(i) !== 0n) {
        n++;
        break;
      }
    }
  }
  return n;
}

function summarizePolls(polls) {
  // compress to status/sync transitions
  const out = [];
  for (const p of polls) {
    const last = out[out.length - 1];
    if (!last || last.status !== p.status || last.syncs !== p.syncs) out.push({ ...p, polls: 1 });
    else last.polls++;
  }
  return out;
}

function renameOrCopy(from, to) {
  try {
    renameSync(from, to);
  } catch {
    writeFileSync(to, readFileSync(from));
    rmSync(from);
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
  const outDir = resolve(opt("--out") ?? DEFAULT_OUT);
  const qemu = opt("--qemu");
  const guestOverride = opt("--guest");
  const keepTmp = flag("--keep-tmp");
  if (flag("--list")) {
    for (const [n, s] of Object.entries(CAPTURES)) console.log(`${n.padEnd(18)} ${s.description}`);
    return;
  }
  const names = flag("--all") ? Object.keys(CAPTURES) : argv;
  if (!names.length) {
    console.error("usage: node tools/capture/capture.mjs (--all | NAME...) [--out DIR] [--qemu BIN] [--guest NAME] [--keep-tmp] | --list");
    process.exit(2);
  }
  let failed = 0;
  for (const n of names) {
    try {
      await capture(n, { outDir, qemu, guestOverride, keepTmp });
    } catch (e) {
      failed++;
      console.error(e.message);
    }
  }
  if (failed) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
