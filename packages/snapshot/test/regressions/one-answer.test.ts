/**
 * Found by a design review: three routines decided how a device section is
 * decoded and three applied RAM pages, with different answers. The piix4_pm
 * section of a pc-i440fx-2.3 stream (a layout older than the device model's)
 * was "vmdesc" to inspect, "none" with an error to the JSON view, and valid
 * to validate; an XBZRLE page over a page never sent made extract-ram throw,
 * diff and report apply it to zeros, and validate report a problem. Now one
 * classifier (SnapshotContext) and one page applier (RamReconstructor)
 * answer for all of them.
 */
import { fileURLToPath } from "node:url";
import { type AnyQberError, type RamPage, SectionWriter, fileSource, isQberError } from "@qber/core";
import { importQemuStream } from "@qber/qemu";
import { discardSinks, reconstructRam } from "@qber/ram";
import { describe, expect, it } from "vitest";
import { decodeToJson, inspectFile, summarizeSnapshot, validateFile } from "../../src/index.js";

const fixture = fileURLToPath(new URL("../../../../fixtures/qemu-7.2/pc-old23.mig", import.meta.url));

async function collect(write: (sink: (c: Uint8Array) => void) => Promise<unknown>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await write((c) => void chunks.push(c.slice()));
  return new Uint8Array(Buffer.concat(chunks));
}

describe("one classifier", () => {
  it("inspect, the JSON view and validate decode pc-i440fx-2.3's piix4_pm the same way", async () => {
    const ber = await collect((sink) => importQemuStream(fileSource(fixture), sink));
    const name = "0000:00:01.3/piix4_pm";

    const inspected = (await inspectFile(ber)).sections.find((s) => s.name === name);
    expect(inspected?.decodedBy).toBe("vmdesc");

    const json = JSON.parse(Buffer.from(await collect((sink) => decodeToJson(ber, sink))).toString("utf8")) as {
      sections: { name?: string; view?: { by: string } }[];
    };
    expect(json.sections.find((s) => s.name === name)?.view?.by).toBe("vmdesc");

    const report = await validateFile(ber);
    expect(report.problems.filter((p) => p.device === name)).toEqual([]);
    expect(report.valid).toBe(true);
  });
});

describe("one RAM page applier", () => {
  /** A block list of one 2-page block, then an XBZRLE page over page 1, which was never sent. */
  async function xbzrleOverNeverSent(): Promise<Uint8Array> {
    return collect(async (sink) => {
      const w = new SectionWriter(sink);
      const len = 2n * 4096n;
      await w.writeSection({
        kind: "full",
        name: "ram",
        sectionId: 2n,
        instanceId: 0n,
        versionId: 4n,
        contents: { kind: "ramblid", value: { totalram: len, blocks: [{ name: "pc.ram", len }] } },
      });
      w.beginMin(2n);
      w.beginBlock("pc.ram");
      const pages: RamPage[] = [
        { kind: "fullpage", addr: 0n, data: new Uint8Array(4096).fill(1) },
        { kind: "xbzrle", addr: 4096n, data: Uint8Array.of(0, 1, 7) },
      ];
      for (const p of pages) await w.writePage(p);
      w.endBlock();
      await w.endMin();
      await w.close();
    });
  }

  const where = (e: unknown): Pick<AnyQberError, "name" | "offset" | "path"> & { reason: string } => {
    if (!isQberError(e, "QberDecodeError")) throw e;
    return { name: e.name, offset: e.offset, path: e.path, reason: e.reason };
  };

  it("gives the same typed error in extract-ram, diff and report, and validate", async () => {
    const ber = await xbzrleOverNeverSent();
    const extracted = where(await reconstructRam(ber, discardSinks).catch((e: unknown) => e));
    const summarized = where(await summarizeSnapshot(ber).catch((e: unknown) => e));
    expect(extracted).toEqual(summarized);
    expect(extracted).toMatchObject({ name: "QberDecodeError", path: "top[1].min.contents.ramsec[0].pagelist[1]" });
    expect(extracted.offset).toBeGreaterThan(0);
    expect(extracted.reason).toMatch(/base page was never sent/);

    const report = await validateFile(ber);
    expect(report.valid).toBe(false);
    expect(report.problems).toEqual([
      { offset: extracted.offset, path: extracted.path, device: "pc.ram", field: null, reason: expect.stringContaining(extracted.reason) },
    ]);
  });
});
