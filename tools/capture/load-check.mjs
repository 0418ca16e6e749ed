// Load a captured stream into a fresh QEMU 7.2 (`-incoming defer` + `migrate-incoming
// exec:cat FILE`) and compare the destination's CPU 0 registers and RAM with the sidecar.
//
//   node tools/capture/load-check.mjs fixtures/qemu-7.2/pc-paused.mig [...more]
//   node tools/capture/load-check.mjs --all        # every *.mig with a sidecar in fixtures/qemu-7.2
//
// The destination is started with the sidecar's command line (same machine and devices,
// -S kept so it stays paused after loading; the -bios guest image is replaced by QEMU's
// default firmware of the same size, since pc.bios travels in the stream).

import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { QmpClient, spawnQemu } from "./qmp.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const md5 = (b) => createHash("md5").update(b).digest("hex");

/** Strip lines that legitimately differ between source and destination. */
function normRegs(text) {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .join("\n");
}

export async function loadCheck(migFile, { qemu = process.env.QEMU || "qemu-system-x86_64", incoming, resume = false } = {}) {
  const side = JSON.parse(readFileSync(`${migFile}.json`, "utf8"));
  const tmp = mkdtempSync(join(tmpdir(), "qber-loadcheck-"));
  if (side.files?.["disk.img"]) writeFileSync(join(tmp, "disk.img"), Buffer.alloc(side.files["disk.img"].bytes));
  let args = side.command.slice(1);
  const bi = args.indexOf("-bios");
  if (bi >= 0) args.splice(bi, 2);
  args = [...args, "-incoming", "defer"].map((a) => a.replaceAll("{tmp}", tmp));
  const { child, output } = spawnQemu(qemu, args);
  let q;
  try {
    q = await QmpClient.connect(join(tmp, "qmp.sock"));
    // Capabilities the stream's configuration announces must be on here too.
    if (side.migration?.capabilities) await q.migrateSetCapabilities(side.migration.capabilities);
    await q.execute("migrate-incoming", { uri: incoming ?? `exec:cat ${resolve(migFile)}` });
    const t0 = Date.now();
    for (;;) {
      const st = await q.queryStatus();
      const mi = await q.queryMigrate();
      if (mi.status === "failed") throw new Error(`incoming migration failed: ${mi["error-desc"] ?? ""} ${output()}`);
      if (mi.status === "completed" || (st.status !== "inmigrate" && mi.status !== "active" && Date.now() - t0 > 200)) break;
      if (Date.now() - t0 > 60000) throw new Error("timeout loading");
      await new Promise((r) => setTimeout(r, 50));
    }
    const status = (await q.queryStatus()).status;
    const regs = await q.infoRegisters(0);
    const dump = join(tmp, "ram.bin");
    await q.pmemsave(0, 32 * 1024 * 1024, dump);
    const ram = readFileSync(dump);
    const res = {
      file: migFile,
      status,
      ramLow: md5(ram.subarray(0, 0xa0000)) === side.ram.md5_0_to_a0000,
      ramHigh: md5(ram.subarray(0x100000)) === side.ram.md5_100000_to_end,
      ramFull: md5(ram) === side.ram.md5,
      registers: normRegs(regs) === normRegs(side.registers),
    };
    if (resume) {
      // The loaded VM must also run on: `cont`, then it is running (or halted in the guest), not failed.
      await q.execute("cont");
      await new Promise((r) => setTimeout(r, 300));
      res.resumed = (await q.queryStatus()).status;
    }
    if (!res.registers) {
      const a = normRegs(side.registers).split("\n"),
        b = normRegs(regs).split("\n");
      res.registerDiff = a.map((l, i) => (l !== b[i] ? `src: ${l}\ndst: ${b[i]}` : null)).filter(Boolean);
    }
    if (output().trim()) res.stderr = output().trim();
    return res;
  } finally {
    await q?.quit();
    await q?.close();
    child.kill("SIGTERM");
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let files = process.argv.slice(2);
  if (files.includes("--all")) {
    const dir = resolve(HERE, "..", "..", "fixtures", "qemu-7.2");
    files = readdirSync(dir)
      .filter((f) => f.endsWith(".mig"))
      .map((f) => join(dir, f));
  }
  let bad = 0;
  for (const f of files) {
    try {
      const r = await loadCheck(f);
      const ok = r.ramLow && r.ramHigh && r.registers;
      if (!ok) bad++;
      console.log(
        `${ok ? "ok  " : "FAIL"} ${f}: status ${r.status}, RAM low ${r.ramLow} high ${r.ramHigh} (full range ${r.ramFull}), registers ${r.registers}`,
      );
      if (r.registerDiff) console.log(`  ${r.registerDiff.join("\n  ")}`);
      if (r.stderr) console.log(`  stderr: ${r.stderr}`);
    } catch (e) {
      bad++;
      console.log(`FAIL ${f}: ${e.message}`);
    }
  }
  process.exit(bad ? 1 : 0);
}
