/**
 * `qber validate` end to end: the real QEMU 7.2 captures are valid (BER and
 * QEMU stream, strict too); edited copies break device bounds (hpet
 * num_timers 255, ps2kbd queue count), RAM placement and XBZRLE bases, and
 * each problem is reported with offset, path, device, field and reason.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyRegistry, fileSource, readSections } from "@qber/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importQemuStream } from "@qber/qemu";
import { registryFor } from "../src/cli/context.js";
import { type Run, runCli } from "./run-cli.js";
import { qemu72Fixtures as fixtures } from "@qber/test-support";

const dir = mkdtempSync(join(tmpdir(), "qber-validate-"));
const at = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const qber = (...argv: string[]): Promise<Run> => runCli(argv);

interface Problem {
  offset: number | null;
  path: string | null;
  device: string | null;
  field: string | null;
  reason: string;
}

type Json = {
  sections: { type: string; name?: string; contents?: { vmstate: { int?: string; array?: unknown[] }[] }; blocks?: { name: string; pages: unknown[] }[] }[];
};

let base: Json;

/** Encodes an edited copy of pc-paused's JSON form (without the encode-time check). */
async function edited(name: string, edit: (j: Json) => void): Promise<string> {
  const j = structuredClone(base);
  edit(j);
  writeFileSync(at(`${name}.json`), JSON.stringify(j));
  const r = await qber("encode", at(`${name}.json`), "-o", at(`${name}.ber`), "--no-validate");
  expect(r.code, r.stderr).toBe(0);
  return at(`${name}.ber`);
}

const section = (j: Json, name: string) => j.sections.find((s) => s.name === name)!;

beforeAll(async () => {
  for (const c of ["pc-paused", "pc-xbzrle-live", "q35-xbzrle-live"]) {
    const chunks: Uint8Array[] = [];
    await importQemuStream(fileSource(join(fixtures, `${c}.mig`)), (x: Uint8Array) => void chunks.push(x.slice()), { registry: registryFor() });
    writeFileSync(at(`${c}.ber`), Buffer.concat(chunks));
  }
  const d = await qber("decode", at("pc-paused.ber"), "-o", at("pc-paused.json"), "--no-fields");
  expect(d.code, d.stderr).toBe(0);
  base = JSON.parse(readFileSync(at("pc-paused.json"), "utf8"));
});

describe("valid snapshots", () => {
  for (const c of ["pc-paused", "pc-xbzrle-live", "q35-xbzrle-live"]) {
    it(`${c}: BER and QEMU stream, strict too`, async () => {
      for (const args of [[at(`${c}.ber`)], [at(`${c}.ber`), "--strict"], [join(fixtures, `${c}.mig`)]]) {
        const r = await qber("validate", ...args);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stdout).toMatch(/: valid\n$/);
      }
      const j = await qber("validate", at(`${c}.ber`), "--json");
      expect(JSON.parse(j.stdout)).toEqual({ valid: true, problems: [], truncated: false });
    });
  }

  it("reads stdin", async () => {
    const r = await runCli(["validate", "-"], { stdin: readFileSync(at("pc-paused.ber")) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("stdin: valid\n");
  });
});

describe("invalid snapshots", () => {
  it("hpet num_timers 255: exit 1 naming hpet and num_timers", async () => {
    const file = await edited("hpet255", (j) => {
      const v = section(j, "hpet").contents!.vmstate;
      v[3] = { int: "255" };
      const timers = v[4]!.array!;
      while (timers.length < 255) timers.push(structuredClone(timers[0]));
    });
    const spans: { name: string; offset: number; index: number }[] = [];
    let i = 0;
    for await (const s of readSections(readFileSync(file), emptyRegistry)) {
      if (s.kind === "full") spans.push({ name: s.section.name, offset: s.offset, index: i });
      else for await (const b of s.blocks) for await (const _ of b.pages);
      i++;
    }
    const hpet = spans.find((s) => s.name === "hpet")!;
    const r = await qber("validate", file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`byte ${hpet.offset} top[${hpet.index}].full.contents: hpet num_timers: must be <= 32`);
    expect(r.stderr).toMatch(/^qber: .*hpet255\.ber: not valid \(1 problem\)\n$/);
    const j = await qber("validate", file, "--json");
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual({
      valid: false,
      problems: [{ offset: hpet.offset, path: `top[${hpet.index}].full.contents`, device: "hpet", field: "num_timers", reason: "must be <= 32" }],
      truncated: false,
    });
  });

  it("hpet num_timers without the timers to match: the plugin cannot decode it", async () => {
    const file = await edited("hpet-count", (j) => {
      section(j, "hpet").contents!.vmstate[3] = { int: "255" };
    });
    const j = await qber("validate", file, "--json");
    expect(j.code).toBe(1);
    const [p] = JSON.parse(j.stdout).problems as Problem[];
    // The count field is what breaks the description: named with its bound, not the array that follows it.
    expect(p).toMatchObject({ device: "hpet", field: "num_timers" });
    expect(p!.reason).toMatch(/^cannot decode with @qber\/devices:hpet: num_timers is 255, more than the 32 allowed \(and timer has 3 entries\)/);
  });

  it("hpet num_timers without the timers to match: the text names hpet, num_timers and the bound 32", async () => {
    const file = await edited("hpet-count-text", (j) => {
      section(j, "hpet").contents!.vmstate[3] = { int: "255" };
    });
    const r = await qber("validate", file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ hpet num_timers: cannot decode with @qber\/devices:hpet: num_timers is 255, more than the 32 allowed/);
  });

  it("ps2kbd queue count beyond its bound, and every problem reported", async () => {
    const file = await edited("kbd", (j) => {
      (section(j, "ps2kbd").contents!.vmstate[0]!.array as unknown[])[3] = { int: "1000" };
      section(j, "hpet").contents!.vmstate[4]!.array!.length = 3;
      const timer = section(j, "hpet").contents!.vmstate[4]!.array![1] as { array: { int?: string }[] };
      timer.array[0] = { int: "77" }; // tn, at most 31
    });
    const r = await qber("validate", file, "--json");
    expect(r.code).toBe(1);
    const problems = JSON.parse(r.stdout).problems as Problem[];
    expect(problems.map((p) => [p.device, p.field, p.reason])).toEqual([
      ["hpet", "timer[1].tn", "must be <= 31"],
      ["ps2kbd", "parent_obj.count", "must be <= 24"],
    ]);
    const max = await qber("validate", file, "--max-problems", "1", "--json");
    expect(JSON.parse(max.stdout)).toMatchObject({ valid: false, truncated: true });
    expect(JSON.parse(max.stdout).problems).toHaveLength(1);
  });

  it("RAM pages outside their block, in unknown blocks, and XBZRLE pages without a base", async () => {
    const file = await edited("ram", (j) => {
      const min = j.sections.find((s) => s.type === "min")!;
      const pages = min.blocks![0]!.pages;
      pages.unshift({ kind: "xbzrle", addr: "0x0", data: "0001ff" });
      pages.push({ kind: "compr", addr: "0x2000000" });
      min.blocks!.push({ name: "nowhere", pages: [{ kind: "compr", addr: "0x0" }] });
    });
    const r = await qber("validate", file, "--json");
    expect(r.code).toBe(1);
    const problems = JSON.parse(r.stdout).problems as Problem[];
    expect(problems.map((p) => [p.path, p.device, p.reason])).toEqual([
      // The one page applier's errors, as extract-ram, diff and report give them.
      [
        "top[3].min.contents.ramsec[0].pagelist[0]",
        "pc.ram",
        "XBZRLE page at 0 of block pc.ram: its base page was never sent (expected a fullpage or compr for the page first)",
      ],
      [
        "top[3].min.contents.ramsec[0].pagelist[8193]",
        "pc.ram",
        "RAM page address 33554432 is past the end of block pc.ram (33554432 bytes) (expected an address below 33554432)",
      ],
      [
        "top[3].min.contents.ramsec[6]",
        "nowhere",
        'RAM pages for unknown block "nowhere" (expected one of "pc.ram", "/rom@etc/acpi/tables", "pc.bios", "pc.rom", "/rom@etc/table-loader", "/rom@etc/acpi/rsdp")',
      ],
    ]);
    for (const p of problems) expect(typeof p.offset).toBe("number");
  });

  it("truncated, corrupt, missing and wrong-format input", async () => {
    const ber = readFileSync(at("pc-paused.ber"));
    writeFileSync(at("cut.ber"), ber.subarray(0, 1000));
    const cut = await qber("validate", at("cut.ber"), "--json");
    expect(cut.code).toBe(1);
    const [p] = JSON.parse(cut.stdout).problems as Problem[];
    expect(p!.reason).toMatch(/^truncated input: /);
    expect(p!.offset).toBeGreaterThan(0);

    const flipped = Buffer.from(ber);
    let hpet: { offset: number; length: number } | undefined;
    for await (const s of readSections(ber, emptyRegistry)) {
      if (s.kind === "full" && s.section.name === "hpet") hpet = s;
      else if (s.kind === "min") for await (const b of s.blocks) for await (const _ of b.pages);
    }
    flipped[hpet!.offset + hpet!.length - 4] = flipped[hpet!.offset + hpet!.length - 4]! ^ 0xff;
    writeFileSync(at("flip.ber"), flipped);
    const flip = await qber("validate", at("flip.ber"));
    expect(flip.code).toBe(1);
    expect(flip.stdout).toContain(`byte ${hpet!.offset + hpet!.length - 4} top[`);

    const missing = await qber("validate", at("nope.ber"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`qber: ${at("nope.ber")}: no such file\n`);
    writeFileSync(at("text.txt"), "hello");
    const text = await qber("validate", at("text.txt"));
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^qber: .*not a qber file/);
  });

  it("a corrupt QEMU stream is reported as a problem of the stream", async () => {
    const mig = Buffer.from(readFileSync(join(fixtures, "pc-paused.mig")));
    writeFileSync(at("cut.mig"), mig.subarray(0, 5000));
    const r = await qber("validate", at("cut.mig"), "--json");
    expect(r.code).toBe(1);
    const problems = JSON.parse(r.stdout).problems as Problem[];
    expect(problems.at(-1)!.reason).toMatch(/^QEMU stream: truncated input/);
  });

  it("usage: exit 2; --help: examples", async () => {
    expect((await qber("validate")).code).toBe(2);
    expect((await qber("validate", at("pc-paused.ber"), "--max-problems", "x")).code).toBe(2);
    const h = await qber("validate", "--help");
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("Examples:");
  });
});
