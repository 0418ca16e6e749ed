// Walk a QEMU 7.2 migration stream ("QEVM" v3) and count RAM page records per section.
//
//   node tools/capture/count-records.mjs FILE.mig [--json] [--quiet] [--ram-only] [--ram-md5]
//
// Walks: header, configuration section (0x07), commands (0x08), RAM START/PART/END
// sections (page records with CONTINUE handling), then device FULL sections (0x04).
// FULL sections are not length-prefixed; they are skipped with the sizes from the
// vmdesc JSON at the end of the file (found as 0x06 + be32 L ending exactly at EOF), and
// every footer (0x7e + be32 section id) is checked. --ram-md5 rebuilds every RAM block
// from the page records (ZERO/PAGE/XBZRLE) and prints its md5. Without a vmdesc the walk stops at
// the first FULL section. Exit code 1 on any structural error.

import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

const FLAG = { ZERO: 0x02, MEM_SIZE: 0x04, PAGE: 0x08, EOS: 0x10, CONTINUE: 0x20, XBZRLE: 0x40, HOOK: 0x80, COMPRESS_PAGE: 0x100, MULTIFD_FLUSH: 0x200 };
const PAGE_SIZE = 4096;

class Reader {
  constructor(buf, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }
  need(n) {
    if (this.pos + n > this.buf.length) throw new Error(`unexpected end of stream at 0x${this.pos.toString(16)} (need ${n})`);
  }
  u8() {
    this.need(1);
    return this.buf[this.pos++];
  }
  peek() {
    return this.buf[this.pos];
  }
  be16() {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  be32() {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  be64() {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n) {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  str() {
    const n = this.u8();
    return this.bytes(n).toString("latin1");
  }
  hex() {
    return `0x${this.pos.toString(16)}`;
  }
}

/** Locate the vmdesc: 0x06, be32 L, L bytes of JSON ending exactly at end of file. */
export function findVmdesc(buf) {
  // The JSON is at most a few MB; scan backwards for a plausible 0x06 marker.
  const lo = Math.max(0, buf.length - 16 * 1024 * 1024);
  for (let p = buf.length - 6; p >= lo; p--) {
    if (buf[p] !== 0x06) continue;
    const len = buf.readUInt32BE(p + 1);
    if (p + 5 + len === buf.length && buf[p + 5] === 0x7b /* { */ && (p === 0 || buf[p - 1] === 0x00)) {
      return { offset: p, length: len, json: JSON.parse(buf.subarray(p + 5).toString("utf8")) };
    }
  }
  return null;
}

/** Body size of a vmdesc device/subsection description (fields + subsections). */
export function descSize(d) {
  let n = 0;
  for (const f of d.fields ?? []) n += (f.array_len ?? 1) * f.size;
  for (const s of d.subsections ?? []) n += 1 + 1 + Buffer.byteLength(s.vmsd_name, "latin1") + 4 + descSize(s);
  return n;
}

export function walkStream(buf, { full = true, onPage } = {}) {
  const r = new Reader(buf);
  const out = {
    size: buf.length,
    magic: null,
    version: null,
    configuration: null,
    commands: [],
    ramSectionId: null,
    blocks: [],
    sections: [],
    devices: [],
    eofOffset: null,
    vmdesc: null,
    totals: { ZERO: 0, PAGE: 0, XBZRLE: 0, COMPRESS_PAGE: 0, XBZRLE_bytes: 0, PAGE_named: 0 },
    xbzrleLenHist: {},
    footers: null,
  };
  out.magic = r.bytes(4).toString("latin1");
  if (out.magic !== "QEVM") throw new Error(`bad magic ${JSON.stringify(out.magic)}`);
  out.version = r.be32();
  if (out.version !== 3) throw new Error(`unsupported version ${out.version}`);

  const vm = findVmdesc(buf);
  if (vm) out.vmdesc = { offset: vm.offset, length: vm.length, devices: vm.json.devices.length, page_size: vm.json.page_size };

  let ignoreShared = false;
  if (r.peek() === 0x07) {
    r.u8();
    const len = r.be32();
    const cfg = { offset: r.pos - 5, machine: r.bytes(len).toString("latin1"), subsections: [] };
    while (r.peek() === 0x05) {
      r.u8();
      const name = r.str();
      const ver = r.be32();
      const sub = { name, version: ver };
      if (name === "configuration/target-page-bits") sub.value = r.be32();
      else if (name === "configuration/capabilities") {
        const n = r.be32();
        sub.capabilities = [];
        for (let i = 0; i < n; i++) sub.capabilities.push(r.str());
        if (sub.capabilities.includes("x-ignore-shared")) ignoreShared = true;
      } else if (name === "configuration/uuid") sub.uuid = r.bytes(16).toString("hex");
      else throw new Error(`unknown configuration subsection ${name}`);
      cfg.subsections.push(sub);
    }
    out.configuration = cfg;
  }

  const deviceDescs = vm ? vm.json.devices : null;
  let devIdx = 0;
  let lastBlock = null;
  const sectionIds = new Map(); // id -> idstr

  const readFooter = (id) => {
    if (r.peek() === 0x7e) {
      r.u8();
      const fid = r.be32();
      if (fid !== id) throw new Error(`footer id ${fid} != section id ${id} at ${r.hex()}`);
      out.footers = out.footers ?? true;
    } else {
      if (out.footers === true) throw new Error(`missing footer for section ${id} at ${r.hex()}`);
      out.footers = false;
    }
  };

  const ramBody = (sec) => {
    for (;;) {
      const recOff = r.pos;
      const hdr = r.be64();
      const flags = Number(hdr & 0xfffn);
      const addr = hdr & ~0xfffn;
      if (flags & FLAG.EOS) {
        if (flags !== FLAG.EOS) throw new Error(`EOS with extra flags 0x${flags.toString(16)} at 0x${recOff.toString(16)}`);
        return;
      }
      if (flags & FLAG.MEM_SIZE) {
        let total = addr;
        while (total > 0n) {
          const name = r.str();
          const used = r.be64();
          const blk = { name, used_length: Number(used) };
          if (ignoreShared) blk.mr_addr = `0x${r.be64().toString(16)}`;
          out.blocks.push(blk);
          total -= used;
          if (total < 0n) throw new Error("block lengths exceed MEM_SIZE total");
        }
        continue;
      }
      const kind = flags & ~FLAG.CONTINUE;
      let block;
      if (flags & FLAG.CONTINUE) {
        if (!lastBlock) throw new Error(`CONTINUE without previous block at 0x${recOff.toString(16)}`);
        block = lastBlock;
      } else {
        block = r.str();
        lastBlock = block;
        sec.named++;
      }
      const b = out.blocks.find((x) => x.name === block);
      if (!b) throw new Error(`unknown RAM block ${block}`);
      if (Number(addr) >= b.used_length) throw new Error(`offset 0x${addr.toString(16)} beyond ${block}`);
      switch (kind) {
        case FLAG.ZERO: {
          const fill = r.u8();
          sec.ZERO++;
          onPage?.(block, Number(addr), "ZERO", fill, b);
          break;
        }
        case FLAG.PAGE: {
          const data = r.bytes(PAGE_SIZE);
          sec.PAGE++;
          onPage?.(block, Number(addr), "PAGE", data, b);
          break;
        }
        case FLAG.XBZRLE: {
          const enc = r.u8();
          if (enc !== 1) throw new Error(`bad XBZRLE encoding byte ${enc}`);
          const len = r.be16();
          if (len > PAGE_SIZE) throw new Error(`XBZRLE len ${len} > page`);
          const payload = r.bytes(len);
          onPage?.(block, Number(addr), "XBZRLE", payload, b);
          sec.XBZRLE++;
          sec.XBZRLE_bytes += len;
          const bucket = len <= 16 ? "<=16" : len <= 64 ? "<=64" : len <= 256 ? "<=256" : len <= 1024 ? "<=1024" : "<=4096";
          out.xbzrleLenHist[bucket] = (out.xbzrleLenHist[bucket] ?? 0) + 1;
          break;
        }
        case FLAG.COMPRESS_PAGE: {
          const len = r.be32();
          onPage?.(block, Number(addr), "COMPRESS_PAGE", r.bytes(len), b);
          sec.COMPRESS_PAGE++;
          break;
        }
        default:
          throw new Error(`unknown RAM flags 0x${flags.toString(16)} at 0x${recOff.toString(16)}`);
      }
      sec.blocks[block] = (sec.blocks[block] ?? 0) + 1;
    }
  };

  for (;;) {
    const off = r.pos;
    const type = r.u8();
    if (type === 0x00) {
      out.eofOffset = off;
      break;
    }
    if (type === 0x08) {
      const cmd = r.be16();
      const len = r.be16();
      r.bytes(len);
      out.commands.push({ offset: off, cmd, len });
      continue;
    }
    if (type === 0x01 || type === 0x04) {
      const id = r.be32();
      const idstr = r.str();
      const instance = r.be32();
      const version = r.be32();
      sectionIds.set(id, idstr);
      if (type === 0x01) {
        if (idstr !== "ram") throw new Error(`START of unsupported live section ${idstr}`);
        out.ramSectionId = id;
        const sec = { type: "START", offset: off, id, ZERO: 0, PAGE: 0, XBZRLE: 0, COMPRESS_PAGE: 0, XBZRLE_bytes: 0, named: 0, blocks: {} };
        ramBody(sec);
        readFooter(id);
        sec.end = r.pos;
        out.sections.push(sec);
        continue;
      }
      // FULL
      const dev = { offset: off, id, idstr, instance, version };
      if (!full || !deviceDescs) {
        dev.skipped = true;
        out.devices.push(dev);
        out.stoppedAtFull = off;
        break;
      }
      const d = deviceDescs[devIdx++];
      // Old-style handlers (a raw save function, e.g. slirp) have no version in vmdesc.
      if (!d || d.name !== idstr || d.instance_id !== instance || (d.version !== undefined && d.version !== version)) {
        throw new Error(`vmdesc mismatch at FULL ${idstr}/${instance} v${version} (vmdesc has ${d?.name}/${d?.instance_id} v${d?.version})`);
      }
      dev.bodySize = descSize(d);
      r.bytes(dev.bodySize);
      readFooter(id);
      out.devices.push(dev);
      continue;
    }
    if (type === 0x02 || type === 0x03) {
      const id = r.be32();
      if (id !== out.ramSectionId) throw new Error(`PART/END for non-ram section ${id} at 0x${off.toString(16)}`);
      const sec = {
        type: type === 0x02 ? "PART" : "END",
        offset: off,
        id,
        ZERO: 0,
        PAGE: 0,
        XBZRLE: 0,
        COMPRESS_PAGE: 0,
        XBZRLE_bytes: 0,
        named: 0,
        blocks: {},
      };
      ramBody(sec);
      readFooter(id);
      sec.end = r.pos;
      out.sections.push(sec);
      continue;
    }
    throw new Error(`unexpected section type 0x${type.toString(16)} at 0x${off.toString(16)}`);
  }

  if (out.eofOffset !== null) {
    if (deviceDescs && devIdx !== deviceDescs.length) throw new Error(`vmdesc lists ${deviceDescs.length} devices, stream had ${devIdx}`);
    if (vm && r.pos !== vm.offset) throw new Error(`EOF at 0x${out.eofOffset.toString(16)} but vmdesc at 0x${vm.offset.toString(16)}`);
  }
  for (const s of out.sections) {
    for (const k of ["ZERO", "PAGE", "XBZRLE", "COMPRESS_PAGE", "XBZRLE_bytes"]) out.totals[k] += s[k];
  }
  out.counts = {
    START: out.sections.filter((s) => s.type === "START").length,
    PART: out.sections.filter((s) => s.type === "PART").length,
    END: out.sections.filter((s) => s.type === "END").length,
    FULL: out.devices.length,
  };
  return out;
}

/** Apply an XBZRLE payload on top of `page` (in place); throws on malformed input. */
export function xbzrleDecode(payload, page) {
  let i = 0,
    d = 0;
  const uleb = () => {
    if (i + 2 > payload.length) throw new Error("truncated run length"); // 7.2 needs 2 bytes left
    let v = payload[i++];
    if (v & 0x80) {
      const b = payload[i++];
      if (b & 0x80) throw new Error("run length longer than 14 bits");
      v = (v & 0x7f) | (b << 7);
    }
    return v;
  };
  while (i < payload.length) {
    const z = uleb();
    if (z === 0 && i > 1) throw new Error("zero-length zrun");
    d += z;
    if (d > page.length) throw new Error("zrun past page end");
    if (i >= payload.length) break;
    const n = uleb();
    if (n === 0 || d + n > page.length || i + n > payload.length) throw new Error("bad nzrun");
    page.set(payload.subarray(i, i + n), d);
    i += n;
    d += n;
  }
}

/** Rebuild every RAM block's final content from the stream's page records. */
export function reconstructRam(buf) {
  const mem = new Map();
  const w = walkStream(buf, {
    onPage(block, off, kind, data, info) {
      let b = mem.get(block);
      if (!b) {
        b = Buffer.alloc(info.used_length);
        mem.set(block, b);
      }
      const page = b.subarray(off, off + PAGE_SIZE);
      if (kind === "ZERO") page.fill(data);
      else if (kind === "PAGE") page.set(data);
      else if (kind === "XBZRLE") xbzrleDecode(data, page);
      else throw new Error(`cannot reconstruct ${kind}`);
    },
  });
  return { walk: w, blocks: mem };
}

function main() {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith("--"));
  if (!file) {
    console.error("usage: node count-records.mjs FILE.mig [--json] [--quiet] [--ram-only]");
    process.exit(2);
  }
  const buf = readFileSync(file);
  let w;
  try {
    w = walkStream(buf, { full: !args.includes("--ram-only") });
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    process.exit(1);
  }
  if (args.includes("--ram-md5")) {
    const { blocks } = reconstructRam(buf);
    for (const [name, b] of blocks) console.log(`${createHash("md5").update(b).digest("hex")}  ${name} (${b.length} bytes)`);
    return;
  }
  if (args.includes("--json")) {
    console.log(JSON.stringify(w, null, 2));
    return;
  }
  const h = (n) => `0x${n.toString(16)}`;
  console.log(
    `${file}: ${buf.length} bytes, ${w.magic} v${w.version}, machine ${w.configuration?.machine ?? "(no configuration section)"}` +
      (w.configuration?.subsections.length ? ` [${w.configuration.subsections.map((s) => s.name).join(", ")}]` : ""),
  );
  console.log(`RAM blocks: ${w.blocks.map((b) => `${b.name}=${h(b.used_length)}`).join(" ")}`);
  if (!args.includes("--quiet")) {
    for (const s of w.sections) {
      console.log(
        `  ${s.type.padEnd(5)} @${h(s.offset).padStart(8)} id ${s.id}: ZERO ${s.ZERO} PAGE ${s.PAGE} XBZRLE ${s.XBZRLE}` +
          (s.COMPRESS_PAGE ? ` COMPRESS ${s.COMPRESS_PAGE}` : "") +
          (s.XBZRLE ? ` (${s.XBZRLE_bytes} payload bytes)` : ""),
      );
    }
  }
  console.log(
    `sections: START ${w.counts.START}, PART ${w.counts.PART}, END ${w.counts.END}, FULL ${w.counts.FULL}` +
      (w.stoppedAtFull !== undefined ? ` (stopped at first FULL @${h(w.stoppedAtFull)})` : ""),
  );
  console.log(
    `records: ZERO ${w.totals.ZERO}, PAGE ${w.totals.PAGE}, XBZRLE ${w.totals.XBZRLE}` +
      (w.totals.COMPRESS_PAGE ? `, COMPRESS ${w.totals.COMPRESS_PAGE}` : "") +
      (w.totals.XBZRLE ? ` (payload ${w.totals.XBZRLE_bytes} bytes; lengths ${JSON.stringify(w.xbzrleLenHist)})` : ""),
  );
  if (w.commands.length) console.log(`commands: ${w.commands.map((c) => c.cmd).join(", ")}`);
  console.log(
    `footers: ${w.footers}; EOF @${w.eofOffset === null ? "-" : h(w.eofOffset)}; vmdesc ${w.vmdesc ? `@${h(w.vmdesc.offset)} ${w.vmdesc.length} bytes, ${w.vmdesc.devices} devices` : "not found"}`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
