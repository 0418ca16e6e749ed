import { SectionWriter, createRegistry, isQberError, readSections } from "@qber/core";
import { describe, expect, it } from "vitest";
import { RamIterator } from "./ram-iterator.js";
import { type RamBlockListValue, ramBlockList, ramPlugin } from "./ram-plugin.js";
import { bufferRamSource } from "./ram-source.js";

const info = { name: "ram", instanceId: 0n, versionId: 4n };

describe("ramPlugin", () => {
  it("maps the ramblid contents both ways", () => {
    const value: RamBlockListValue = {
      totalRam: 0x2020000n,
      blocks: [
        { name: "pc.ram", length: 0x2000000n },
        { name: "/rom@etc/acpi/tables", length: 0x20000n },
      ],
    };
    const contents = ramPlugin.ber.encode(value, info);
    expect(contents).toEqual({
      kind: "ramblid",
      value: {
        totalram: 0x2020000n,
        blocks: [
          { name: "pc.ram", len: 0x2000000n },
          { name: "/rom@etc/acpi/tables", len: 0x20000n },
        ],
      },
    });
    expect(ramPlugin.ber.decode(contents, info)).toEqual(value);
    expect(
      ramBlockList([
        { name: "a", length: 4096 },
        { name: "b", length: 8192n },
      ]),
    ).toEqual({
      totalRam: 12288n,
      blocks: [
        { name: "a", length: 4096n },
        { name: "b", length: 8192n },
      ],
    });
  });

  it("rejects other contents", () => {
    let err: unknown;
    try {
      ramPlugin.ber.decode({ kind: "oldblob", value: new Uint8Array(1) }, info);
    } catch (e) {
      err = e;
    }
    expect(isQberError(err, "QberDecodeError")).toBe(true);
    expect(() => ramPlugin.ber.encode({ totalRam: 1 as unknown as bigint, blocks: [] }, info)).toThrow(/bigint/);
  });

  it("is found by a registry for section ram version 4 and decodes the iterator's setup section", async () => {
    const registry = createRegistry(ramPlugin);
    expect(registry.find("ram", 4n)).toBe(ramPlugin);
    expect(registry.find("ram", 3n)).toBeUndefined();
    const chunks: Uint8Array[] = [];
    const w = new SectionWriter((c) => void chunks.push(c.slice()));
    await new RamIterator(w, [bufferRamSource("pc.ram", new Uint8Array(8192))]).setup();
    await w.close();
    const sections = [];
    for await (const s of readSections(Buffer.concat(chunks), registry)) sections.push(s);
    expect(sections[0]).toMatchObject({ kind: "full", plugin: ramPlugin, value: { totalRam: 8192n, blocks: [{ name: "pc.ram", length: 8192n }] } });
  });
});
