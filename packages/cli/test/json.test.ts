/**
 * `qber decode` and `qber encode` end to end on the real QEMU 7.2 captures:
 * byte-identical round trips of the streaming and the DER form, QEMU
 * streams as input, other BER forms kept losslessly (raw sections), stdin,
 * edits, and every error path with its exit code and message.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyRegistry, fileSource, readSections, rewriteDer } from "@qber/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importQemuStream } from "@qber/qemu";
import { registryFor } from "../src/cli/context.js";
import { type Run, runCli } from "./run-cli.js";
import { qemu72Fixtures as fixtures } from "@qber/test-support";

const dir = mkdtempSync(join(tmpdir(), "qber-json-"));
const at = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const qber = (...argv: string[]): Promise<Run> => runCli(argv);

async function importToBer(mig: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await importQemuStream(fileSource(mig), (c: Uint8Array) => void chunks.push(c.slice()), { registry: registryFor() });
  return Buffer.concat(chunks);
}

async function toDer(ber: Uint8Array): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await rewriteDer(
    () => ber,
    (c: Uint8Array) => void chunks.push(c.slice()),
    registryFor(),
  );
  return Buffer.concat(chunks);
}

async function sectionSpans(file: Uint8Array): Promise<{ name: string | null; offset: number; length: number }[]> {
  const out: { name: string | null; offset: number; length: number }[] = [];
  const mins: { i: number; s: { length: number | undefined } }[] = [];
  for await (const s of readSections(file, emptyRegistry)) {
    if (s.kind === "full") out.push({ name: s.section.name, offset: s.offset, length: s.length });
    else {
      mins.push({ i: out.length, s });
      out.push({ name: null, offset: s.offset, length: 0 });
    }
  }
  for (const m of mins) out[m.i] = { ...out[m.i]!, length: m.s.length ?? 0 };
  return out;
}

const captures = ["pc-paused", "pc-xbzrle-live", "q35-paused"];

beforeAll(async () => {
  for (const c of captures) {
    const ber = await importToBer(join(fixtures, `${c}.mig`));
    writeFileSync(at(`${c}.ber`), ber);
    writeFileSync(at(`${c}.der`), await toDer(ber));
  }
});

describe("decode and encode round trips", () => {
  for (const c of captures) {
    for (const form of ["ber", "der"] as const) {
      it(`${c}.${form}: encode(decode(x)) is byte-identical`, async () => {
        const d = await qber("decode", at(`${c}.${form}`), "-o", at(`${c}.${form}.json`));
        expect(d.code, d.stderr).toBe(0);
        const json = JSON.parse(readFileSync(at(`${c}.${form}.json`), "utf8"));
        expect(json.format).toBe("qber-json");
        expect(json.formatVersion).toBe(1);
        expect(json.framing).toBe(form === "ber" ? "indefinite" : "definite");
        const mins = json.sections.filter((s: { type: string }) => s.type === "min");
        expect(mins.length).toBeGreaterThan(0);
        for (const m of mins) expect(m.lengths).toBe(form === "ber" ? "indefinite" : "definite");
        expect(json.sections.some((s: { raw?: unknown }) => s.raw !== undefined)).toBe(false);
        const e = await qber("encode", at(`${c}.${form}.json`), "-o", at(`${c}.${form}.again`));
        expect(e.code, e.stderr).toBe(0);
        expect(Buffer.compare(readFileSync(at(`${c}.${form}.again`)), readFileSync(at(`${c}.${form}`)))).toBe(0);
      });
    }
  }

  it("writes typed entries, RAM pages and device views", async () => {
    const json = JSON.parse(readFileSync(at("pc-paused.ber.json"), "utf8"));
    const hpet = json.sections.find((s: { name?: string }) => s.name === "hpet");
    expect(hpet).toMatchObject({ type: "full", id: "18", instance: "0", version: "2", view: { by: "plugin", plugin: "@qber/devices:hpet" } });
    expect(hpet.contents.vmstate[3]).toEqual({ int: "3" });
    expect(hpet.view.fields.num_timers).toBe(3);
    const ram = json.sections.find((s: { contents?: { ramblid?: unknown } }) => s.contents?.ramblid);
    expect(ram.contents.ramblid.blocks[0]).toEqual({ name: "pc.ram", len: "33554432" });
    const min = json.sections.find((s: { type: string }) => s.type === "min");
    const page = min.blocks[0].pages.find((p: { kind: string }) => p.kind === "fullpage");
    expect(page.addr).toMatch(/^0x[0-9a-f]+$/);
    expect(page.data).toHaveLength(8192);
  });

  it("--no-fields leaves the views out and still round-trips", async () => {
    const d = await qber("decode", at("pc-paused.ber"), "-o", at("nofields.json"), "--no-fields");
    expect(d.code, d.stderr).toBe(0);
    const text = readFileSync(at("nofields.json"), "utf8");
    expect(text).not.toContain('"view"');
    expect((await qber("encode", at("nofields.json"), "-o", at("nofields.ber"))).code).toBe(0);
    expect(Buffer.compare(readFileSync(at("nofields.ber")), readFileSync(at("pc-paused.ber")))).toBe(0);
  });

  it("decodes a QEMU stream through the importer, and encode of a QEMU stream is import", async () => {
    const d = await qber("decode", join(fixtures, "pc-paused.mig"), "-o", at("from-mig.json"));
    expect(d.code, d.stderr).toBe(0);
    expect(readFileSync(at("from-mig.json"), "utf8")).toBe(readFileSync(at("pc-paused.ber.json"), "utf8"));
    const e = await qber("encode", join(fixtures, "pc-paused.mig"), "-o", at("from-mig.ber"));
    expect(e.code, e.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(at("from-mig.ber")), readFileSync(at("pc-paused.ber")))).toBe(0);
  });

  it("reads stdin and writes stdout", async () => {
    const d = await runCli(["decode", "-", "-o", "-"], { stdin: readFileSync(at("pc-paused.ber")) });
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toBe(readFileSync(at("pc-paused.ber.json"), "utf8"));
    const e = await runCli(["encode", "-", "-o", "-"], { stdin: readFileSync(at("pc-paused.der.json")) });
    expect(e.code, e.stderr).toBe(0);
    expect(Buffer.compare(e.stdoutBytes, readFileSync(at("pc-paused.der")))).toBe(0);
  });

  it("encodes an edited JSON form", async () => {
    const json = JSON.parse(readFileSync(at("pc-paused.ber.json"), "utf8"));
    const hpet = json.sections.find((s: { name?: string }) => s.name === "hpet");
    hpet.contents.vmstate[0] = { int: "1" };
    delete hpet.view; // the view no longer matches: an edit of contents leaves it out
    writeFileSync(at("edited.json"), JSON.stringify(json));
    expect((await qber("encode", at("edited.json"), "-o", at("edited.ber"))).code).toBe(0);
    expect((await qber("decode", at("edited.ber"), "-o", at("edited2.json"))).code).toBe(0);
    const back = JSON.parse(readFileSync(at("edited2.json"), "utf8")).sections.find((s: { name?: string }) => s.name === "hpet");
    expect(back.view.fields.config).toBe("1");
  });

  it("refuses a view that no longer matches the contents, naming the section and the field", async () => {
    const original = readFileSync(at("pc-paused.ber.json"), "utf8");
    const index = JSON.parse(original).sections.findIndex((s: { name?: string }) => s.name === "hpet");
    const cases: [string, (hpet: { contents: { vmstate: unknown[] }; view: { fields: Record<string, unknown> } }) => void, RegExp][] = [
      // An edit of the view alone would be dropped silently.
      ["view-edited", (h) => void (h.view.fields["num_timers"] = 4), /view\.fields\.num_timers is 4 where contents give 3/],
      // An edit of contents that leaves the view as it was.
      ["view-stale", (h) => void (h.contents.vmstate[0] = { int: "1" }), /view\.fields\.config is "0" where contents give "1"/],
    ];
    for (const [name, edit, field] of cases) {
      const json = JSON.parse(original);
      edit(json.sections[index]);
      writeFileSync(at(`${name}.json`), JSON.stringify(json));
      const r = await qber("encode", at(`${name}.json`), "-o", at(`${name}.ber`));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^qber: .*${name}\\.json: invalid JSON form: hpet: `));
      expect(r.stderr).toMatch(field);
      expect(r.stderr).toContain(`sections[${index}]`);
      expect(r.stderr).toContain("encode writes contents and never reads the view: edit contents, and delete the view");
      expect(() => readFileSync(at(`${name}.ber`))).toThrow();
    }
    // --no-validate does not skip it: it is about what gets written, not about bounds.
    expect((await qber("encode", at("view-edited.json"), "-o", at("view-edited.ber"), "--no-validate")).code).toBe(1);
  });
});

describe("other BER forms stay lossless", () => {
  it("keeps a SecFull with a long-form length and a mixed-length SecMin as raw bytes", async () => {
    const ber = readFileSync(at("pc-paused.ber"));
    const spans = await sectionSpans(ber);
    const hpet = spans.find((s) => s.name === "port92")!;
    // port92's SecFull: 7f 8f 53 LL -> 7f 8f 53 81 LL (valid BER, not DER)
    expect([...ber.subarray(hpet.offset, hpet.offset + 3)]).toEqual([0x7f, 0x8f, 0x53]);
    const len = ber[hpet.offset + 3]!;
    expect(len).toBeLessThan(0x80);
    // The last SecMin (after qemu:end) has no pages: make its ramsec definite (7f cc 52 80 00 00 -> 7f cc 52 00).
    const lastMin = [...spans].reverse().find((s) => s.name === null)!;
    const minBytes = ber.subarray(lastMin.offset, lastMin.offset + lastMin.length);
    const rs = minBytes.indexOf(Buffer.from([0x7f, 0xcc, 0x52, 0x80, 0x00, 0x00]));
    expect(rs).toBeGreaterThan(0);
    const mixedMin = Buffer.concat([minBytes.subarray(0, rs), Buffer.from([0x7f, 0xcc, 0x52, 0x00]), minBytes.subarray(rs + 6)]);
    const parts: Buffer[] = [];
    let pos = 0;
    for (const s of spans) {
      parts.push(ber.subarray(pos, s.offset));
      if (s === hpet) parts.push(Buffer.concat([Buffer.from([0x7f, 0x8f, 0x53, 0x81, len]), ber.subarray(s.offset + 4, s.offset + s.length)]));
      else if (s === lastMin) parts.push(mixedMin);
      else parts.push(ber.subarray(s.offset, s.offset + s.length));
      pos = s.offset + s.length;
    }
    parts.push(ber.subarray(pos));
    const odd = Buffer.concat(parts);
    writeFileSync(at("odd.ber"), odd);
    expect((await qber("validate", at("odd.ber"))).code).toBe(0);
    const strict = await qber("validate", at("odd.ber"), "--strict");
    expect(strict.code).toBe(1);
    // The RAM section before it is 2 bytes shorter now.
    expect(lastMin.offset).toBeLessThan(hpet.offset);
    expect(strict.stdout).toContain(`byte ${hpet.offset - 2} top[`);
    expect(strict.stdout).toContain("length not in its shortest form");

    const d = await qber("decode", at("odd.ber"), "-o", at("odd.json"));
    expect(d.code, d.stderr).toBe(0);
    const json = JSON.parse(readFileSync(at("odd.json"), "utf8"));
    const h = json.sections.find((s: { name?: string }) => s.name === "port92");
    expect(h.raw).toBe(Buffer.concat([Buffer.from([0x7f, 0x8f, 0x53, 0x81, len]), ber.subarray(hpet.offset + 4, hpet.offset + hpet.length)]).toString("hex"));
    expect(h.contents.vmstate).toBeDefined();
    const mins = json.sections.filter((s: { type: string }) => s.type === "min");
    expect(mins[mins.length - 1].raw.join("")).toBe(mixedMin.toString("hex"));
    const e = await qber("encode", at("odd.json"), "-o", at("odd.again"));
    expect(e.code, e.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(at("odd.again")), odd)).toBe(0);

    // Editing the typed contents of a raw section is refused, not ignored.
    h.contents.vmstate[0] = { int: "5" };
    writeFileSync(at("odd-edited.json"), JSON.stringify(json));
    const r = await qber("encode", at("odd-edited.json"), "-o", at("odd-edited.ber"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^qber: .*differ from raw.*delete raw/);
  });

  it("cannot redo the raw pass from stdin, and says so", async () => {
    const r = await runCli(["decode", "-", "-o", at("odd-stdin.json")], { stdin: readFileSync(at("odd.ber")) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^qber: stdin: RAM sections \d+ are not in a form qber writes/);
  });
});

describe("errors", () => {
  it("missing file", async () => {
    for (const cmd of ["decode", "encode"]) {
      const r = await qber(cmd, at("nope.ber"), "-o", at("out"));
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`qber: ${at("nope.ber")}: no such file\n`);
    }
  });

  it("wrong format", async () => {
    writeFileSync(at("text.txt"), "hello, world\n");
    const d = await qber("decode", at("text.txt"), "-o", at("out.json"));
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/^qber: .*text\.txt: not a qber file .* it starts with 68 65 6c 6c\n$/);
    const e = await qber("encode", at("text.txt"), "-o", at("out.ber"));
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/^qber: .*text\.txt: not the JSON form of a qber file/);
    const b = await qber("encode", at("pc-paused.ber"), "-o", at("out.ber"));
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/qber BER file already/);
  });

  it("usage errors exit 2, --help exits 0 with examples", async () => {
    expect((await qber("decode", at("pc-paused.ber"))).code).toBe(2);
    expect((await qber("encode")).code).toBe(2);
    expect((await qber("decode", at("pc-paused.ber"), "-o", at("x"), "--bogus")).code).toBe(2);
    for (const cmd of ["decode", "encode"]) {
      const h = await qber(cmd, "--help");
      expect(h.code).toBe(0);
      expect(h.stdout).toContain("Examples:");
    }
  });

  it("truncated input leaves no output", async () => {
    const ber = readFileSync(at("pc-paused.ber"));
    writeFileSync(at("cut.ber"), ber.subarray(0, Math.floor(ber.length / 2)));
    const r = await qber("decode", at("cut.ber"), "-o", at("cut.json"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^qber: .*cut\.ber: truncated input: .* at byte \d+/);
    expect(() => readFileSync(at("cut.json"))).toThrow();
  });

  it("corrupt input: a flipped byte in a device section", async () => {
    const ber = Buffer.from(readFileSync(at("pc-paused.ber")));
    const hpet = (await sectionSpans(ber)).find((s) => s.name === "hpet")!;
    ber[hpet.offset + hpet.length - 4] = ber[hpet.offset + hpet.length - 4]! ^ 0xff; // its SecEndMark tag
    writeFileSync(at("flip.ber"), ber);
    const r = await qber("decode", at("flip.ber"), "-o", at("flip.json"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^qber: .*flip\\.ber: .* at byte ${hpet.offset + hpet.length - 4} in top\\[\\d+\\]`));
  });

  it("invalid JSON, and JSON of the wrong shape", async () => {
    const text = readFileSync(at("pc-paused.ber.json"), "utf8");
    writeFileSync(at("bad.json"), text.slice(0, 3000));
    const cut = await qber("encode", at("bad.json"), "-o", at("bad.ber"));
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/^qber: .*bad\.json: invalid JSON at character \d+/);
    writeFileSync(at("bad2.json"), text.replace('"framing": "indefinite",', '"framing": "indefinite",,'));
    const comma = await qber("encode", at("bad2.json"), "-o", at("bad2.ber"));
    expect(comma.code).toBe(1);
    expect(comma.stderr).toMatch(/invalid JSON at character \d+: expected a key/);
    writeFileSync(at("bad3.json"), JSON.stringify({ hello: 1 }));
    const shape = await qber("encode", at("bad3.json"), "-o", at("bad3.ber"));
    expect(shape.code).toBe(1);
    expect(shape.stderr).toMatch(/not the JSON form of a qber file/);
    const json = JSON.parse(text);
    json.sections[3].blocks[0].pages[0].data = "zz";
    writeFileSync(at("bad4.json"), JSON.stringify(json));
    const page = await qber("encode", at("bad4.json"), "-o", at("bad4.ber"));
    expect(page.code).toBe(1);
    expect(page.stderr).toMatch(/expected a string of hex byte pairs in sections\[3\]\.blocks\[0\]\.pages\[0\]\.data/);
    expect(() => readFileSync(at("bad4.ber"))).toThrow();
  });

  it("an out-of-range device field: encode refuses, --no-validate writes it, validate flags it", async () => {
    const json = JSON.parse(readFileSync(at("pc-paused.ber.json"), "utf8"));
    const kbd = json.sections.find((s: { name?: string }) => s.name === "ps2kbd");
    kbd.contents.vmstate[0].array[3] = { int: "1000" }; // parent_obj.count, at most 24
    delete kbd.view;
    writeFileSync(at("kbd.json"), JSON.stringify(json));
    const r = await qber("encode", at("kbd.json"), "-o", at("kbd.ber"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^qber: .*refusing to write invalid device state: ps2kbd parent_obj\.count: must be <= 24/);
    expect(() => readFileSync(at("kbd.ber"))).toThrow();
    expect((await qber("encode", at("kbd.json"), "-o", at("kbd.ber"), "--no-validate")).code).toBe(0);
    const v = await qber("validate", at("kbd.ber"));
    expect(v.code).toBe(1);
    expect(v.stdout).toContain("ps2kbd parent_obj.count: must be <= 24");
  });
});
