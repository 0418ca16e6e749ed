/**
 * Streams qber cannot carry are rejected by the importer with an error that
 * names the feature: postcopy, COLO, multifd, RDMA, compressed pages,
 * mapped-ram.
 */
import { LegacyWriter, discardSink } from "@qber/core";
import { describe, expect, it } from "vitest";
import { importQemuStream } from "../src/bridge/import.js";

async function stream(write: (w: LegacyWriter) => void): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const w = new LegacyWriter((c) => void chunks.push(c));
  w.header();
  write(w);
  await w.flush();
  return Uint8Array.from(Buffer.concat(chunks));
}

/** A RAM START with one 64 KiB block, then a PART holding one record with `flags`. */
function ramWith(flags: number, payload: (w: LegacyWriter) => void) {
  return (w: LegacyWriter) => {
    w.sectionStart("start", 2, "ram", 0, 4);
    w.be64(0x10000 + 0x4);
    w.countedString("pc.ram");
    w.be64(0x10000);
    w.be64(0x10);
    w.footer(2);
    w.sectionPart("part", 2);
    w.be64(0x1000 + flags);
    w.countedString("pc.ram");
    payload(w);
  };
}

const rejects = async (bytes: Uint8Array, pattern: RegExp) => {
  await expect(importQemuStream([bytes], discardSink)).rejects.toMatchObject({ name: "QberDecodeError", message: expect.stringMatching(pattern) });
};

describe("unsupported streams", () => {
  it("postcopy, COLO and return-path commands", async () => {
    await rejects(await stream((w) => (w.u8(0x08), w.be16(3), w.be16(0))), /POSTCOPY_ADVISE belongs to postcopy/);
    await rejects(await stream((w) => (w.u8(0x08), w.be16(7), w.be16(4), w.be32(0))), /PACKAGED belongs to postcopy/);
    await rejects(await stream((w) => (w.u8(0x08), w.be16(8), w.be16(0))), /COLO/);
    await rejects(await stream((w) => (w.u8(0x08), w.be16(1), w.be16(0))), /return path/);
  });

  it("multifd flushes, RDMA hooks and compressed pages", async () => {
    await rejects(await stream(ramWith(0x200, () => {})), /multifd/);
    await rejects(await stream(ramWith(0x80, () => {})), /RDMA/);
    await rejects(await stream(ramWith(0x100, (w) => w.be32(0))), /compress/);
  });

  it("mapped-ram, announced in the configuration's capabilities", async () => {
    const bytes = await stream((w) => {
      w.configuration();
      w.be32(13);
      w.bytes(new TextEncoder().encode("pc-i440fx-9.0"));
      w.u8(0x05);
      w.countedString("configuration/capabilities");
      w.be32(1);
      w.be32(1);
      w.countedString("mapped-ram");
    });
    await rejects(bytes, /mapped-ram/);
  });
});
