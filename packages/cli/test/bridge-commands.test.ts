/**
 * End-to-end: import, export, inspect, extract-ram and compose through the
 * qber command (in-process), success and error paths, exit codes and
 * messages; outputs are never left partial.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { qemu72Fixtures as fixtures } from "@qber/test-support";

const dir = mkdtempSync(join(tmpdir(), "qber-cmd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);
const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");
const noTemporaries = () => expect(readdirSync(dir).filter((f) => f.includes(".qber-") || f.endsWith(".tmp"))).toEqual([]);

describe("qber import / export", () => {
  it("round-trips a real capture byte for byte, through files and through stdout", async () => {
    const mig = join(fixtures, "pc-xbzrle-live.mig");
    expect((await runCli(["import", mig, "-o", at("live.ber")])).code).toBe(0);
    expect((await runCli(["export", at("live.ber"), "-o", at("live.mig")])).code).toBe(0);
    expect(readFileSync(at("live.mig")).equals(readFileSync(mig))).toBe(true);
    const piped = await runCli(["export", at("live.ber"), "-o", "-"]);
    expect(piped.code).toBe(0);
    expect(piped.stdoutBytes.equals(readFileSync(mig))).toBe(true);
    const fromStdin = await runCli(["import", "-", "-o", at("stdin.ber")], { stdin: readFileSync(mig) });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(readFileSync(at("stdin.ber")).equals(readFileSync(at("live.ber")))).toBe(true);
    expect((await runCli(["import", mig, "-o", at("live.der"), "--der"])).code).toBe(0);
    expect((await runCli(["export", at("live.der"), "-o", at("live-der.mig")])).code).toBe(0);
    expect(readFileSync(at("live-der.mig")).equals(readFileSync(mig))).toBe(true);
    noTemporaries();
  });

  it("writes into a named pipe in place, leaving it a pipe (as it leaves /dev/null a device)", async () => {
    const mig = join(fixtures, "pc-paused.mig");
    const fifo = at("out.fifo");
    execFileSync("mkfifo", [fifo]);
    for (const der of [[], ["--der"]]) {
      const reader = spawn("sh", ["-c", `cat "${fifo}" > "${at("from-fifo.ber")}"`]);
      const closed = once(reader, "close");
      const r = await runCli(["import", mig, "-o", fifo, ...der]);
      expect(r.code, r.stderr).toBe(0);
      await closed;
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      expect((await runCli(["import", mig, "-o", at("to-file.ber"), ...der])).code).toBe(0);
      expect(readFileSync(at("from-fifo.ber")).equals(readFileSync(at("to-file.ber")))).toBe(true);
    }
    noTemporaries();
  });

  it("writes through a symbolic link: the target is replaced, the link stays", async () => {
    const mig = join(fixtures, "pc-paused.mig");
    writeFileSync(at("target.ber"), "old contents");
    symlinkSync("target.ber", at("link.ber"));
    expect((await runCli(["import", mig, "-o", at("link.ber")])).code).toBe(0);
    expect(lstatSync(at("link.ber")).isSymbolicLink()).toBe(true);
    expect((await runCli(["import", mig, "-o", at("direct.ber")])).code).toBe(0);
    expect(readFileSync(at("target.ber")).equals(readFileSync(at("direct.ber")))).toBe(true);
    noTemporaries();
  });

  it("refuses a missing file, the wrong format, and its own input as output (exit 1)", async () => {
    const missing = await runCli(["import", at("nope.mig"), "-o", at("x.ber")]);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toMatch(/nope\.mig: no such file/);
    const wrong = await runCli(["export", join(fixtures, "pc-paused.mig"), "-o", at("x.mig")]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/this is a QEMU migration stream; expected a qber BER file/);
    writeFileSync(at("junk.bin"), "hello, world");
    const junk = await runCli(["inspect", at("junk.bin")]);
    expect(junk.code).toBe(1);
    expect(junk.stderr).toMatch(/not a qber file .* nor a QEMU migration stream .*starts with 68 65 6c 6c/);
    const self = await runCli(["import", at("live.mig"), "-o", at("live.mig")]);
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(/refusing to write .* it is also the input/);
    const toDir = await runCli(["import", join(fixtures, "pc-paused.mig"), "-o", dir]);
    expect(toDir).toMatchObject({ code: 1, stderr: `qber: cannot write ${dir}: it is a directory\n` });
    const imagesIntoFile = await runCli(["extract-ram", join(fixtures, "pc-paused.mig"), "-o", at("junk.bin")]);
    expect(imagesIntoFile).toMatchObject({ code: 1, stderr: `qber: ${at("junk.bin")}: exists and is not a directory\n` });
    expect(existsSync(at("x.ber")) || existsSync(at("x.mig"))).toBe(false);
  });

  it("reports corrupt and truncated input with offsets, and leaves no output", async () => {
    const mig = readFileSync(join(fixtures, "pc-paused.mig"));
    writeFileSync(at("cut.mig"), mig.subarray(0, 300_000));
    const cut = await runCli(["import", at("cut.mig"), "-o", at("cut.ber")]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/^qber: .*cut\.mig: truncated input: .* at byte \d+/);
    const bad = Buffer.from(mig);
    bad[0x1a + 1] = bad[0x1a + 1]! ^ 0xff; // the RAM section's id, in its START header
    writeFileSync(at("bad.mig"), bad);
    const corrupt = await runCli(["import", at("bad.mig"), "-o", at("bad.ber")]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/^qber: .*bad\.mig: .*at byte \d+/);
    expect(existsSync(at("cut.ber")) || existsSync(at("bad.ber"))).toBe(false);
    const ber = readFileSync(at("live.ber"));
    writeFileSync(at("cut.ber"), ber.subarray(0, ber.length - 10));
    const cutBer = await runCli(["export", at("cut.ber"), "-o", at("cut-out.mig")]);
    expect(cutBer.code).toBe(1);
    expect(cutBer.stderr).toMatch(/^qber: .*cut\.ber: truncated input/);
    expect(existsSync(at("cut-out.mig"))).toBe(false);
    noTemporaries();
  });

  it("usage errors exit 2", async () => {
    expect((await runCli(["import", join(fixtures, "pc-paused.mig")])).code).toBe(2);
    expect((await runCli(["frobnicate"])).code).toBe(2);
    expect((await runCli(["--help"])).code).toBe(0);
  });
});

describe("qber inspect", () => {
  it("lists sections and RAM, and prints the documented JSON", async () => {
    const r = await runCli(["inspect", join(fixtures, "q35-paused.mig"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      schemaVersion: number;
      sections: { name: string | null; kind: string; decodedBy: string | null; id: number; instance: number | null; version: number | null; bytes: number }[];
      ram: { name: string; pages: number }[];
    };
    expect(doc.schemaVersion).toBe(2);
    const devices = doc.sections.filter((s) => s.kind === "device");
    expect(devices).toHaveLength(29);
    expect(devices.every((s) => s.decodedBy === "plugin")).toBe(true);
    expect(doc.sections.find((s) => s.name === "0000:00:1f.0/ICH9LPC")).toMatchObject({ id: 14, instance: 0, version: 1, kind: "device" });
    expect(doc.sections.filter((s) => s.kind === "ram").every((s) => s.name === null && s.decodedBy === null && s.bytes > 0)).toBe(true);
    expect(doc.ram.find((b) => b.name === "pc.ram")?.pages).toBe(8192);
    const text = await runCli(["inspect", join(fixtures, "pc-paused.mig"), "--fields"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/hpet .*device .*plugin/);
    expect(text.stdout).toContain('"num_timers": 3');
  });
});

describe("qber extract-ram", () => {
  it("writes one image per block, XBZRLE applied, matching QEMU's own RAM", async () => {
    const out = at("ram");
    const r = await runCli(["extract-ram", join(fixtures, "q35-xbzrle-live.mig"), "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      "_rom_etc_acpi_rsdp.img",
      "_rom_etc_acpi_tables.img",
      "_rom_etc_table-loader.img",
      "pc.bios.img",
      "pc.ram.img",
      "pc.rom.img",
    ]);
    const side = JSON.parse(readFileSync(join(fixtures, "q35-xbzrle-live.mig.json"), "utf8")) as { ram: { md5_0_to_a0000: string; md5_100000_to_end: string } };
    const ram = readFileSync(join(out, "pc.ram.img"));
    expect(md5(ram.subarray(0, 0xa0000))).toBe(side.ram.md5_0_to_a0000);
    expect(md5(ram.subarray(0x100000))).toBe(side.ram.md5_100000_to_end);
  });
});

describe("qber compose", () => {
  it("composes a machine from flags and from a description file", async () => {
    writeFileSync(at("prog.bin"), Buffer.from("eb fe".replace(/ /g, ""), "hex"));
    const flags = await runCli(["compose", "--machine", "pc", "--memory", "32M", "--load", `0x7c00=${at("prog.bin")}`, "--entry", "0x7c00", "-o", at("c.ber")]);
    expect(flags.code, flags.stderr).toBe(0);
    const inspect = JSON.parse((await runCli(["inspect", at("c.ber"), "--json"])).stdout) as { sections: { kind: string; decodedBy: string | null }[] };
    expect(inspect.sections.filter((s) => s.kind === "device")).toHaveLength(30);
    expect((await runCli(["validate", at("c.ber")])).code).toBe(0);
    writeFileSync(
      at("m.json"),
      JSON.stringify({ machine: "q35", memory: "32M", load: [{ addr: "0x7c00", hex: "ebfe" }], entry: 31744, devices: { mc146818rtc: { cmos_index: 5 } } }),
    );
    const file = await runCli(["compose", at("m.json"), "--format", "qemu", "-o", at("c.mig")]);
    expect(file.code, file.stderr).toBe(0);
    expect(readFileSync(at("c.mig")).subarray(0, 4).toString("latin1")).toBe("QEVM");
  });

  it("rejects an invalid description before writing anything", async () => {
    writeFileSync(at("bad.json"), JSON.stringify({ machine: "pc", memory: "32M", colour: "blue" }));
    const extra = await runCli(["compose", at("bad.json"), "-o", at("bad-c.ber")]);
    expect(extra.code).toBe(1);
    expect(extra.stderr).toMatch(/invalid machine description: .*must NOT have additional properties/);
    writeFileSync(at("bound.json"), JSON.stringify({ machine: "pc", memory: "32M", devices: { hpet: { num_timers: 255 } } }));
    const bound = await runCli(["compose", at("bound.json"), "-o", at("bad-c.ber")]);
    expect(bound.code).toBe(1);
    expect(bound.stderr).toMatch(/hpet.*num_timers.*32/);
    writeFileSync(at("nojson.json"), "{ not json");
    expect((await runCli(["compose", at("nojson.json"), "-o", at("bad-c.ber")])).stderr).toMatch(/not JSON/);
    expect((await runCli(["compose", "-o", at("bad-c.ber")])).code).toBe(2);
    expect(existsSync(at("bad-c.ber"))).toBe(false);
    noTemporaries();
  });
});

describe("limit options", () => {
  it("every reading command takes the decode limits, and a limit hit is exit 1 naming it", async () => {
    const mig = join(fixtures, "pc-paused.mig");
    const depth = await runCli(["inspect", mig, "--max-depth", "3"]);
    expect(depth.code).toBe(1);
    expect(depth.stderr).toMatch(/nesting depth 4 exceeds the limit of 3 at byte \d+ in top\[2\]/);
    const state = await runCli(["import", mig, "-o", at("limited.ber"), "--max-device-state", "1000"]);
    expect(state.code).toBe(1);
    expect(state.stderr).toMatch(/device state 1001 exceeds the limit of 1000 .*--max-device-state/);
    expect(existsSync(at("limited.ber"))).toBe(false);
    expect((await runCli(["export", at("live.ber"), "-o", at("l.mig"), "--max-element-count", "10"])).stderr).toMatch(
      /element count 11 exceeds the limit of 10/,
    );
    expect((await runCli(["inspect", mig, "--max-depth", "lots"])).code).toBe(2);
    expect((await runCli(["validate", mig, "--max-section-length", "100000000"])).code).toBe(0);
  });
});
