/**
 * libvirt 9.0 save images against real libvirt: a transient TCG domain is
 * saved by `virsh save` in every format libvirt 9.0 writes; qber inspects and
 * validates each, imports and exports it (same header and XML bytes, same
 * QEMU stream inside, same compression format), and `virsh restore` runs
 * qber's export. zstd, which libvirt 9.0 refuses, is written by qber from a
 * raw save and checked the same way short of restoring it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openFile } from "@qber/qemu";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireOracle } from "../oracles/require.js";
import { LibvirtDaemons, libvirtAvailable } from "./libvirt-daemons.js";

const qberBin = fileURLToPath(new URL("../../packages/cli/bin/qber.js", import.meta.url));
const FORMATS = ["raw", "gzip", "bzip2", "xz", "lzop"] as const;
const FORMAT_NUMBER: Record<string, number> = { raw: 0, gzip: 1, bzip2: 2, xz: 3, lzop: 4, zstd: 5 };
const PROGRAMS = ["bzip2", "xz", "lzop", "zstd"];

function available(): { ok: boolean; reason?: string } {
  const lv = libvirtAvailable();
  if (!lv.ok) return lv;
  for (const p of PROGRAMS) {
    if (spawnSync("sh", ["-c", `command -v ${p}`]).status !== 0) return { ok: false, reason: `${p} not found` };
  }
  return { ok: true };
}

function qber(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [qberBin, ...args], { encoding: "utf8" });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The bytes of the stream inside a container, as qber's input layer hands them back. */
async function innerStream(path: string): Promise<{ stream: Buffer; dataOffset: number }> {
  const input = await openFile(path);
  const chunks: Buffer[] = [];
  for await (const c of input.source as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  const c = input.containers![0];
  return { stream: Buffer.concat(chunks), dataOffset: c?.kind === "libvirt-save" ? c.dataOffset : 0 };
}

function domainXml(name: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>
`;
}

/** The formats whose image is also checked against QEMU's own memory dump (one plain, one compressed). */
const DUMPED: readonly string[] = ["raw", "xz"];

const ok = requireOracle("libvirt 9.0 (libvirtd, virtlogd, virsh as root) and bzip2/xz/lzop/zstd", available());
const dir = mkdtempSync(join(tmpdir(), "qber-libvirt-"));
const daemons = new LibvirtDaemons(join(dir, "run"));
afterAll(async () => {
  await daemons.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!ok)("libvirt 9.0 save images", () => {
  const saves = new Map<string, string>();

  beforeAll(async () => {
    for (const format of FORMATS) {
      await daemons.start(format);
      const name = `qber-${format}-${process.pid}`;
      const xml = join(dir, `${name}.xml`);
      writeFileSync(xml, domainXml(name));
      daemons.virsh("create", xml);
      const file = join(dir, `${format}.save`);
      daemons.virsh("save", name, file);
      if (DUMPED.includes(format)) {
        // A second domain, paused first, so QEMU's own ELF core (virsh dump
        // --memory-only runs dump-guest-memory) and its save image hold the same state.
        const paused = `${name}-paused`;
        writeFileSync(xml, domainXml(paused));
        daemons.virsh("create", xml);
        daemons.virsh("suspend", paused);
        daemons.virsh("dump", "--memory-only", paused, join(dir, `${format}.qemu.core`));
        daemons.virsh("save", paused, join(dir, `${format}.paused.save`));
      }
      saves.set(format, file);
    }
  });

  for (const format of FORMATS) {
    it(`${format}: inspect and validate show the domain; import then export rebuilds the image; virsh restore runs it`, async () => {
      const file = saves.get(format)!;
      const original = readFileSync(file);
      expect(original.readUInt32LE(28), "format field").toBe(FORMAT_NUMBER[format]);

      const inspect = qber("inspect", file);
      expect(inspect.status, inspect.stderr).toBe(0);
      expect(inspect.stdout).toContain(`libvirt save image: format ${format}, was_running 1`);
      expect(inspect.stdout).toMatch(new RegExp(`domain: name qber-${format}-\\d+, uuid [0-9a-f-]{36}, machine pc-i440fx-7.2, memory 32 MiB, vcpus 1`));
      const json = JSON.parse(qber("inspect", file, "--json").stdout) as { containers: { xml: string; cookie: string }[] };
      expect(json.containers[0]!.xml).toContain(`<name>qber-${format}-`);
      expect(json.containers[0]!.cookie).toContain("<cookie>");
      const validate = qber("validate", file);
      expect(validate.status, validate.stderr).toBe(0);
      expect(validate.stdout).toContain("domain: name qber-");

      const ber = join(dir, `${format}.ber`);
      const back = join(dir, `${format}-qber.save`);
      expect(qber("import", file, "-o", ber).status).toBe(0);
      const exported = qber("export", ber, "-o", back);
      expect(exported.status, exported.stderr).toBe(0);
      const rebuilt = readFileSync(back);
      const a = await innerStream(file);
      const b = await innerStream(back);
      expect(b.dataOffset).toBe(a.dataOffset);
      expect(rebuilt.subarray(0, a.dataOffset).equals(original.subarray(0, a.dataOffset)), "header and XML bytes").toBe(true);
      expect(b.stream.equals(a.stream), "the QEMU stream inside").toBe(true);
      if (format === "raw") expect(rebuilt.equals(original)).toBe(true);

      daemons.virsh("restore", back);
      const name = /<name>([^<]+)<\/name>/.exec(json.containers[0]!.xml)![1]!;
      expect(daemons.virsh("domstate", name).trim()).toBe("running");
      daemons.virsh("destroy", name);
    });
  }

  it("dump-memory of a raw and an xz save image is QEMU's own dump-guest-memory core of the same state, byte for byte", () => {
    for (const format of DUMPED) {
      const core = join(dir, `${format}.qber.core`);
      const r = spawnSync(process.execPath, [qberBin, "-q", "dump-memory", join(dir, `${format}.paused.save`), "-o", core], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(Buffer.compare(readFileSync(core), readFileSync(join(dir, `${format}.qemu.core`))), format).toBe(0);
    }
  });

  it("--format and --xml: another compression, a bare stream, a new domain XML (virsh restore runs it under the new name)", async () => {
    const raw = saves.get("raw")!;
    const ber = join(dir, "raw.ber");
    expect(qber("import", raw, "-o", ber).status).toBe(0);
    const { stream } = await innerStream(raw);

    // zstd, which libvirt 9.0 cannot write: qber's file reads back the same, and zstd itself agrees.
    const zst = join(dir, "zstd.save");
    expect(qber("export", ber, "--format", "zstd", "-o", zst).status).toBe(0);
    const z = readFileSync(zst);
    expect(z.readUInt32LE(28)).toBe(5);
    const inner = await innerStream(zst);
    expect(inner.stream.equals(stream)).toBe(true);
    expect(execFileSync("zstd", ["-dc"], { input: z.subarray(inner.dataOffset), maxBuffer: 1 << 28 }).equals(stream)).toBe(true);
    expect(qber("inspect", zst).stdout).toContain("format zstd");

    const bare = join(dir, "bare.mig");
    expect(qber("export", ber, "--format", "qemu", "-o", bare).status).toBe(0);
    expect(readFileSync(bare).equals(stream)).toBe(true);

    const renamed = `qber-renamed-${process.pid}`;
    const xmlFile = join(dir, "renamed.xml");
    writeFileSync(xmlFile, JSON.parse(qber("inspect", raw, "--json").stdout).containers[0].xml.replace(/<name>[^<]+<\/name>/, `<name>${renamed}</name>`));
    const gz = join(dir, "renamed.save");
    const r = qber("export", ber, "--format", "gzip", "--xml", xmlFile, "-o", gz);
    expect(r.status, r.stderr).toBe(0);
    expect(qber("inspect", gz).stdout).toContain(`domain: name ${renamed}`);
    await daemons.start("raw");
    daemons.virsh("restore", gz);
    expect(daemons.virsh("domstate", renamed).trim()).toBe("running");
    daemons.virsh("destroy", renamed);

    writeFileSync(xmlFile, "<domain><name>x</domain>");
    const bad = qber("export", ber, "--xml", xmlFile, "-o", join(dir, "bad.save"));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("not well-formed XML");
    expect(spawnSync("ls", [join(dir, "bad.save")]).status).not.toBe(0);
  });
});
