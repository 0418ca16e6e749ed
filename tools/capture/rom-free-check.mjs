// Experiment: can QEMU 7.2 load a stream whose firmware/ROM RAM blocks hold only zeros, and
// `cont` it? Rewrites the PAGE records of the named RAM blocks of a fixture to zero bytes
// (same records, same framing), loads the result into a fresh QEMU started with the
// fixture's command line (`-incoming defer`, default firmware), then `cont`s and samples
// CPU 0 twice to see whether the guest keeps running.
//
//   node tools/capture/rom-free-check.mjs fixtures/qemu-7.2/pc-xbzrle-live.mig [BLOCK ...]
//   (default blocks: pc.bios pc.rom /rom@etc/acpi/tables /rom@etc/table-loader /rom@etc/acpi/rsdp)

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { QmpClient } from "./qmp.mjs";

const DEFAULT_BLOCKS = ["pc.bios", "pc.rom", "/rom@etc/acpi/tables", "/rom@etc/table-loader", "/rom@etc/acpi/rsdp"];

/** Zeroes PAGE payloads of `blocks` in place; returns how many pages per block. */
export function zeroBlocks(buf, blocks) {
  let pos = 8;
  const counts = {};
  const u8 = () => buf[pos++];
  const be32 = () => {
    const v = buf.readUInt32BE(pos);
    pos += 4;
    return v;
  };
  const be64 = () => {
    const v = buf.readBigUInt64BE(pos);
    pos += 8;
    return v;
  };
  const str = () => {
    const n = u8();
    const s = buf.subarray(pos, pos + n).toString("latin1");
    pos += n;
    return s;
  };
  if (buf[pos] === 0x07) {
    pos++;
    const n = be32();
    pos += n;
    if (buf[pos] === 0x05) throw new Error("configuration subsections not handled");
  }
  let block = "";
  const ram = () => {
    for (;;) {
      const hdr = be64();
      const flags = Number(hdr & 0xfffn);
      let total = hdr & ~0xfffn;
      if (flags & 0x10) return;
      if (flags & 0x04) {
        while (total > 0n) {
          str();
          total -= be64();
        }
        continue;
      }
      if (!(flags & 0x20)) block = str();
      const kind = flags & ~0x20;
      if (kind === 0x02) pos += 1;
      else if (kind === 0x08) {
        if (blocks.includes(block)) {
          buf.fill(0, pos, pos + 4096);
          counts[block] = (counts[block] ?? 0) + 1;
        }
        pos += 4096;
      } else if (kind === 0x40) {
        pos += 1;
        const n = buf.readUInt16BE(pos);
        pos += 2 + n;
      } else throw new Error(`RAM flags 0x${flags.toString(16)}`);
    }
  };
  const footer = () => {
    if (buf[pos] === 0x7e) pos += 5;
  };
  for (;;) {
    const t = u8();
    if (t === 0x01) {
      be32();
      str();
      be32();
      be32();
      ram();
      footer();
      continue;
    }
    if (t === 0x02 || t === 0x03) {
      be32();
      ram();
      footer();
      continue;
    }
    // The first FULL section ends the RAM part of these fixtures (END came before it).
    break;
  }
  return counts;
}

async function run(file, blocks) {
  const side = JSON.parse(readFileSync(`${file}.json`, "utf8"));
  const tmp = mkdtempSync(join(tmpdir(), "qber-romfree-"));
  const buf = Buffer.from(readFileSync(file));
  const counts = zeroBlocks(buf, blocks);
  const mig = join(tmp, "zeroed.mig");
  writeFileSync(mig, buf);
  if (side.files?.["disk.img"]) writeFileSync(join(tmp, "disk.img"), Buffer.alloc(side.files["disk.img"].bytes));
  let args = side.command.slice(1);
  const bi = args.indexOf("-bios");
  if (bi >= 0) args.splice(bi, 2);
  args = [...args, "-incoming", "defer"].map((a) => a.replaceAll("{tmp}", tmp));
  const child = spawn(process.env.QEMU || "qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stdout.on("data", (d) => {
    stderr += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const q = await QmpClient.connect(join(tmp, "qmp.sock"));
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  try {
    await q.execute("migrate-incoming", { uri: `exec:cat ${resolve(mig)}` });
    for (let i = 0; ; i++) {
      const mi = await q.queryMigrate();
      if (mi.status === "failed") throw new Error(`load failed: ${mi["error-desc"] ?? ""} ${stderr}`);
      if (mi.status === "completed") break;
      if (i > 600) throw new Error("timeout");
      await sleep(50);
    }
    const loaded = (await q.queryStatus()).status;
    await q.cont();
    await sleep(300);
    const a = await q.infoRegisters(0);
    await sleep(300);
    const b = await q.infoRegisters(0);
    const status = (await q.queryStatus()).status;
    const reg = (text, name) => (text.match(new RegExp(`${name}=([0-9a-f]+)`)) ?? [])[1];
    return {
      file,
      zeroedPages: counts,
      loadedStatus: loaded,
      statusAfterCont: status,
      eip: [reg(a, "EIP") ?? reg(a, "RIP"), reg(b, "EIP") ?? reg(b, "RIP")],
      ecx: [reg(a, "ECX") ?? reg(a, "RCX"), reg(b, "ECX") ?? reg(b, "RCX")],
      stderr: stderr.trim(),
    };
  } finally {
    await q.quit();
    q.close?.();
    child.kill();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const [file, ...blocks] = process.argv.slice(2);
  if (!file) {
    console.error("usage: rom-free-check.mjs FILE.mig [BLOCK ...]");
    process.exit(2);
  }
  run(file, blocks.length ? blocks : DEFAULT_BLOCKS).then(
    (r) => console.log(JSON.stringify(r, null, 1)),
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
