import { describe, expect, it } from "vitest";
import { LegacyReader } from "./legacy-reader.js";
import { LegacyWriter } from "./legacy-writer.js";

async function stream(write: (w: LegacyWriter) => void): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const w = new LegacyWriter((c) => void chunks.push(c));
  write(w);
  await w.flush();
  return Uint8Array.from(Buffer.concat(chunks));
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

describe("legacy framing", () => {
  it("reads back what the writer framed, with footers", async () => {
    const bytes = await stream((w) => {
      w.header();
      w.configuration();
      w.be32(2);
      w.bytes(hex("7063")); // a body the caller understands
      w.sectionStart("start", 2, "ram", 0, 4);
      w.be64(0x10);
      w.footer(2);
      w.sectionPart("end", 2);
      w.be64(0x10);
      w.footer(2);
      w.sectionStart("full", 0, "timer", 0, 2);
      w.bytes(new Uint8Array(24));
      w.footer(0);
      w.eof();
      w.vmdesc(new TextEncoder().encode('{"page_size": 4096}'));
    });
    expect(Buffer.from(bytes.subarray(0, 8)).toString("hex")).toBe("5145564d00000003");
    const r = new LegacyReader([bytes.subarray(0, 11), bytes.subarray(11)]);
    await r.header();
    expect(await r.next()).toMatchObject({ type: "configuration", offset: 8 });
    expect(await r.be32("len")).toBe(2);
    expect(await r.bytes(2, "name")).toEqual(hex("7063"));
    expect(await r.next()).toMatchObject({ type: "start", sectionId: 2, idstr: "ram", instanceId: 0, versionId: 4 });
    expect(await r.be64("flags")).toBe(0x10);
    expect(await r.footer(2)).toBe(true);
    expect(r.footers).toBe(true);
    expect(await r.next()).toMatchObject({ type: "end", sectionId: 2 });
    await r.be64("flags");
    await r.footer(2);
    expect(await r.next()).toMatchObject({ type: "full", sectionId: 0, idstr: "timer", versionId: 2 });
    await r.bytes(24, "body");
    await r.footer(0);
    expect(await r.next()).toMatchObject({ type: "eof" });
    const vmdesc = await r.next();
    expect(vmdesc.type === "vmdesc" && LegacyReader.vmdescText(vmdesc.json)).toBe('{"page_size": 4096}');
    expect(await r.next()).toMatchObject({ type: "end-of-input", offset: bytes.length });
  });

  it("detects streams without footers (old machine types)", async () => {
    const bytes = await stream((w) => {
      w.header();
      w.sectionStart("full", 0, "timer", 0, 2);
      w.u8(1);
      w.eof();
    });
    const r = new LegacyReader([bytes]);
    await r.header();
    await r.next();
    await r.u8("body");
    expect(await r.footer(0)).toBe(false);
    expect(r.footers).toBe(false);
    expect(await r.next()).toMatchObject({ type: "eof" });
  });

  it("a stream cut where a footer belongs is incomplete, not missing its footer", async () => {
    const bytes = await stream((w) => {
      w.header();
      w.sectionStart("full", 0, "timer", 0, 2);
      w.u8(1);
      w.footer(0);
      w.sectionStart("full", 1, "timer", 1, 2);
      w.u8(1);
      w.footer(1);
      w.eof();
    });
    const cut = bytes.length - 6; // before the second footer (0x7e, be32 id) and the EOF record
    const r = new LegacyReader([bytes.subarray(0, cut)]);
    await r.header();
    await r.next();
    await r.u8("body");
    expect(await r.footer(0)).toBe(true);
    await r.next();
    await r.u8("body");
    await expect(r.footer(1)).rejects.toMatchObject({
      incomplete: true,
      offset: cut,
      message: expect.stringMatching(/ends where the footer of section 1 belongs/),
    });
  });

  it("rejects what QEMU rejects, naming it", async () => {
    const header = async (b: string) => {
      const r = new LegacyReader([hex(b)]);
      await r.header();
    };
    await expect(header("5145564e00000003")).rejects.toThrow(/not a QEMU migration stream/);
    await expect(header("5145564d00000002")).rejects.toThrow(/version 2 is obsolete/);
    await expect(header("5145564d")).rejects.toMatchObject({ incomplete: true });
    const after = async (body: string) => {
      const r = new LegacyReader([hex(`5145564d00000003${body}`)]);
      await r.header();
      const rec = await r.next();
      if (rec.type === "full") {
        await r.u8("body");
        await r.footer(rec.sectionId);
      }
      return rec;
    };
    await expect(after("08 0003 0000")).rejects.toThrow(/POSTCOPY_ADVISE belongs to postcopy/);
    await expect(after("08 0008 0000")).rejects.toThrow(/COLO/);
    await expect(after("09")).rejects.toThrow(/unknown record type 0x09/);
    await expect(after("04 00000001 01 61 00000000 00000001 00 7e 00000002")).rejects.toThrow(/footer for section 2 after section 1/);
    await expect(after("04 00000001 01")).rejects.toMatchObject({ name: "QberDecodeError", incomplete: true });
  });
});
