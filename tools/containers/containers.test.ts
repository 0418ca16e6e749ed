/**
 * The input layer's containers on files built to their formats: libvirt save
 * images in every compressed format (both byte orders), bare compressed
 * streams, qcow2 images (v2, v3, extended L2), read from files and from
 * streams; and every typed error the brief names.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isQberError, readSections } from "@qber/core";
import { exportQemuStream, importQemuStream, openFile, openStream, readAsBer } from "@qber/qemu";
import { LIBVIRT_HEADER_SIZE, MissingProgramError, buildLibvirtSave, parseXml } from "@qber/qemu/containers";
import { COOKIE_XML, DOMAIN_XML, compress, libvirtImage, mappedRamFile, qcow2Image, splitRam } from "./builders.js";

const mig = readFileSync(resolve(import.meta.dirname, "../../fixtures/qemu-7.2/pc-paused.mig"));
const dir = mkdtempSync(join(tmpdir(), "qber-containers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const programs = ["bzip2", "xz", "lzop", "zstd"].every((p) => {
  try {
    execFileSync("sh", ["-c", `command -v ${p}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
});
if (!programs) {
  if (process.env.CI === "true") throw new Error("bzip2, xz, lzop and zstd must be installed under CI=true");
  console.warn("\n*** SKIPPING container tests for bzip2/xz/lzop/zstd: a program is missing.\n");
}

async function* streamOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  // In uneven pieces, as a pipe delivers them.
  for (let at = 0; at < bytes.length; at += 7000) yield bytes.subarray(at, at + 7000);
}

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function drain(source: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of source as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

async function collect(write: (sink: (c: Uint8Array) => void) => Promise<unknown>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await write((c) => void chunks.push(c.slice()));
  return Buffer.concat(chunks);
}

async function decodeError(p: Promise<unknown>): Promise<{ message: string; offset: number | undefined }> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(isQberError(e, "QberDecodeError"), String(e)).toBe(true);
  return e as { message: string; offset: number | undefined };
}

const FORMATS = ["raw", "gzip", ...(programs ? (["bzip2", "xz", "lzop", "zstd"] as const) : [])] as const;

describe("libvirt save images", () => {
  for (const format of FORMATS) {
    for (const littleEndian of [true, false]) {
      it(`${format}, ${littleEndian ? "little" : "big"}-endian: the stream inside, the header and the XML, from a file and from a stream`, async () => {
        const image = libvirtImage(mig, format, { littleEndian });
        const path = file(`${format}-${littleEndian}.save`, image);
        for (const input of [await openFile(path), await openStream("stdin", streamOf(image))]) {
          expect(input.format).toBe("qemu");
          expect((await drain(input.source)).equals(mig)).toBe(true);
          const c = input.containers![0]!;
          if (c.kind !== "libvirt-save") throw new Error(c.kind);
          expect(c.save.header).toMatchObject({ format, littleEndian, version: 2, wasRunning: true });
          expect(c.save.xml).toBe(DOMAIN_XML);
          expect(c.save.cookie).toBe(COOKIE_XML);
          expect(c.save.domain).toEqual({ name: "built", uuid: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", machine: "pc-i440fx-7.2", memory: 32 << 20, vcpus: 2 });
        }
      });
    }
  }

  it("import keeps the image in libvirt:save; export rebuilds it, or writes another format, a bare stream, another XML", async () => {
    const image = libvirtImage(mig, "gzip", { littleEndian: false });
    const input = await openFile(file("keep.save", image));
    const c = input.containers![0]!;
    if (c.kind !== "libvirt-save") throw new Error(c.kind);
    const ber = await collect((sink) => importQemuStream(input.source, sink, { libvirtSave: c.save.bytes }));
    expect(ber.includes(Buffer.from("libvirt:save"))).toBe(true);
    const back = await collect((sink) => exportQemuStream([ber], sink));
    expect(back.subarray(0, c.dataOffset).equals(image.subarray(0, c.dataOffset))).toBe(true);
    const again = await openFile(file("back.save", back));
    expect((await drain(again.source)).equals(mig)).toBe(true);

    const bare = await collect((sink) => exportQemuStream([ber], sink, { container: "qemu" }));
    expect(bare.equals(mig)).toBe(true);
    const raw = await collect((sink) => exportQemuStream([ber], sink, { container: "raw" }));
    expect(raw.readUInt32BE(28)).toBe(0);
    expect(raw.subarray(c.dataOffset).equals(mig)).toBe(true);

    const xml = DOMAIN_XML.replace("<name>built</name>", "<name>renamed-and-longer</name>");
    const renamed = await collect((sink) => exportQemuStream([ber], sink, { xml }));
    const r = await openFile(file("renamed.save", renamed));
    const rc = r.containers![0]!;
    if (rc.kind !== "libvirt-save") throw new Error(rc.kind);
    expect(rc.save.domain.name).toBe("renamed-and-longer");
    expect(rc.save.cookie).toBe(COOKIE_XML);
    expect(rc.save.header.dataLen).toBe(Buffer.byteLength(xml) + 1 + COOKIE_XML.length + 1 + 64 * 1024);
    expect(rc.save.header).toMatchObject({ littleEndian: false, format: "gzip" });
    expect((await drain(r.source)).equals(mig)).toBe(true);

    const fromBare = await collect((sink) => importQemuStream([mig], sink));
    await expect(exportQemuStream([fromBare], () => undefined, { container: "xz" })).rejects.toThrow(/--xml/);
  });

  it("errors: truncated header, data_len past the end, unknown format, an incomplete save, a bad version, corrupt compressed data", async () => {
    const image = libvirtImage(mig, "gzip");
    let e = await decodeError(openFile(file("short.save", image.subarray(0, 50))));
    expect(e.message).toMatch(/header is 92 bytes/);
    const past = Buffer.from(image.subarray(0, 5000));
    e = await decodeError(openFile(file("past.save", past)));
    expect(e.message).toMatch(/runs past the end/);
    expect(e.offset).toBe(20);
    const unknown = Buffer.from(image);
    unknown.writeUInt32LE(9, 28);
    e = await decodeError(openFile(file("unknown.save", unknown)));
    expect(e.message).toMatch(/unknown libvirt save image format 9/);
    const part = Buffer.from(image);
    part.write("LibvirtQemudPart", 0, "latin1");
    e = await decodeError(openFile(file("part.save", part)));
    expect(e.message).toMatch(/incomplete libvirt save image/);
    const version = Buffer.from(image);
    version.writeUInt32LE(7, 16);
    e = await decodeError(openFile(file("version.save", version)));
    expect(e.message).toMatch(/version 7 is not known/);
    const good = `<domain>${" ".repeat(80)}</domain>`;
    const badXml = Buffer.from(libvirtImage(mig, "raw", { xml: good }));
    badXml.write("<!DOCTYPE d [<!ENTITY a 'x'>]><domain>&a;</domain>".padEnd(good.length), LIBVIRT_HEADER_SIZE, "latin1");
    e = await decodeError(openFile(file("doctype.save", badXml)));
    expect(e.message).toMatch(/DOCTYPE/);

    // Corrupt data in the middle of the compressed stream: the error names the
    // compressed data's offset and how far decompression got.
    const dataOffset = image.length - compress("gzip", mig).length;
    const corrupt = Buffer.from(image);
    for (let i = 0; i < 64; i++) corrupt[dataOffset + 2000 + i]! ^= 0x5a;
    const input = await openFile(file("corrupt.save", corrupt));
    e = await decodeError(drain(input.source));
    expect(e.message).toMatch(/corrupt or truncated gzip data .*; \d+ bytes had been decompressed/);
    expect(e.offset).toBe(dataOffset);
    // Truncated: the inner stream ends early.
    const cut = await openFile(file("cut.save", image.subarray(0, image.length - 100)));
    e = await decodeError(drain(cut.source));
    expect(e.message).toMatch(/gzip/);
  });

  it("an error in the stream inside says so, with its offset in that stream", async () => {
    const image = Buffer.from(libvirtImage(mig, "raw"));
    const dataOffset = image.length - mig.length;
    image[dataOffset + 8] = 0x99;
    const input = await openFile(file("inner-bad.save", image));
    const e = await decodeError(readAsBer(input, drain));
    expect(e.offset).toBe(8);
    expect(e.message).toBe(
      `unknown record type 0x99 (expected a section, EOF or the vmdesc) [in the QEMU stream inside the libvirt save image (raw; stream at byte ${dataOffset}); the offset is in that stream] at byte 8`,
    );
  });

  it.skipIf(!programs)("a missing decompressor is named", async () => {
    const path = file("missing.save", libvirtImage(mig, "xz"));
    const saved = process.env.PATH;
    process.env.PATH = dir;
    try {
      const e = await openFile(path)
        .then(
          async (input) => drain(input.source),
          (x: unknown) => Promise.reject(x),
        )
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(MissingProgramError);
      expect((e as Error).message).toMatch(/^xz: program not found on PATH/);
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe("compressed streams", () => {
  for (const format of FORMATS.filter((f) => f !== "raw")) {
    it(`${format}: a bare compressed QEMU stream reads as the stream`, async () => {
      if (format === "raw") return;
      const input = await openFile(file(`bare.${format}`, compress(format, mig)));
      expect(input.containers).toEqual([{ kind: "compressed", compression: format, dataOffset: 0 }]);
      expect((await drain(input.source)).equals(mig)).toBe(true);
    });
  }

  it.skipIf(!programs)("a compressed stream that holds no snapshot is refused, and its decompressor is stopped", async () => {
    const noise = Buffer.alloc(4 << 20);
    for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE(Math.imul(i, 0x9e3779b1) >>> 0, i);
    const e = await decodeError(openFile(file("noise.xz", compress("xz", noise))));
    expect(e.message).toMatch(/the container holds no snapshot: not a qber file/);
    // The program, blocked writing 4 MiB nobody reads, must not be left behind.
    await new Promise((r) => setTimeout(r, 200));
    const children = execFileSync("sh", ["-c", `pgrep -P ${process.pid} -x xz || true`], { encoding: "utf8" }).trim();
    expect(children).toBe("");
  });

  it("a compressed container inside a compressed container inside another is refused", async () => {
    const e = await decodeError(openFile(file("nested.gz", compress("gzip", compress("gzip", compress("gzip", mig))))));
    expect(e.message).toMatch(/the container holds no snapshot/);
  });
});

describe("qcow2 internal snapshots", () => {
  const other = mig.subarray(0, 200_000);
  for (const [label, options] of [
    ["version 3, 64 KiB clusters", {}],
    ["version 2, 4 KiB clusters, 100 MiB disk", { version: 2 as const, clusterBits: 12, diskSize: 100 << 20 }],
    ["extended L2", { extendedL2: true, clusterBits: 17 }],
  ] as const) {
    it(`${label}: the chosen snapshot's VM state`, async () => {
      const image = qcow2Image(
        [
          { id: "1", tag: "first", vmState: mig },
          { id: "2", tag: "second", vmState: other },
        ],
        options,
      );
      const path = file(`${label.replace(/\W+/g, "-")}.qcow2`, image);
      const one = await openFile(path, { snapshot: "first" });
      expect((await drain(one.source)).equals(mig)).toBe(true);
      const two = await openFile(path, { snapshot: "2" });
      expect((await drain(two.source)).equals(other)).toBe(true);
      const e = await decodeError(openFile(path));
      expect(e.message).toMatch(/2 snapshots holding VM state; choose one with --snapshot ID\|TAG: 1 \("first"/);
      await expect(openFile(path, { snapshot: "nope" })).rejects.toThrow(/no snapshot with ID or tag "nope"/);
    });
  }

  it("one snapshot with VM state is the default", async () => {
    const input = await openFile(file("one.qcow2", qcow2Image([{ id: "1", tag: "only", vmState: mig }])));
    expect(input.containers![0]).toMatchObject({ kind: "qcow2", snapshot: { id: "1", tag: "only", vmStateSize: mig.length } });
    expect((await drain(input.source)).equals(mig)).toBe(true);
  });

  it("errors: a broken snapshot table, an L1 table outside the file, an L2 entry outside the file, an unallocated cluster; never zeros", async () => {
    const image = Buffer.from(qcow2Image([{ id: "1", tag: "only", vmState: mig }]));
    const tableAt = Number(image.readBigUInt64BE(64));
    const big = Buffer.from(image);
    big.writeUInt32BE(1_000_000, 60);
    let e = await decodeError(openFile(file("many.qcow2", big)));
    expect(e.message).toMatch(/over QEMU's limit/);
    const cutTable = image.subarray(0, tableAt + 20);
    e = await decodeError(openFile(file("cut-table.qcow2", cutTable)));
    expect(e.message).toMatch(/snapshot table entry 0 .* runs past the end/);
    const l1 = Buffer.from(image);
    l1.writeBigUInt64BE(BigInt(image.length + 65536), tableAt);
    e = await decodeError(openFile(file("l1.qcow2", l1)));
    expect(e.message).toMatch(/L1 table .* is outside the file/);

    // The first data cluster's L2 entry: point it past the end, then clear it.
    const l2At = 2 * 65536;
    const l2Index = Buffer.from(image.subarray(l2At, l2At + 65536)).findIndex((b, i) => i % 8 === 0 && b === 0x80);
    const outside = Buffer.from(image);
    outside.writeBigUInt64BE((1n << 63n) | BigInt(image.length + 65536 * 4), l2At + l2Index);
    e = await decodeError(openFile(file("l2-outside.qcow2", outside)).then((input) => drain(input.source)));
    expect(e.message).toMatch(/is outside the file/);
    expect(e.offset).toBe(l2At + l2Index);
    const unallocated = Buffer.from(image);
    unallocated.writeBigUInt64BE(0n, l2At + l2Index);
    e = await decodeError(openFile(file("unallocated.qcow2", unallocated)).then((input) => drain(input.source)));
    expect(e.message).toMatch(/cluster is unallocated/);
  });

  it("a qcow2 image on a stream is refused (it is read by position)", async () => {
    const image = qcow2Image([{ id: "1", tag: "only", vmState: mig }]);
    await expect(openStream("stdin", streamOf(image))).rejects.toThrow(/read by position/);
  });
});

describe("mapped-ram files", () => {
  /** What a stream holds, whatever its RAM sections' layout: each block's non-zero pages, and every other section. */
  async function state(stream: Uint8Array): Promise<{ pages: [string, [number, string][]][]; sections: unknown[] }> {
    const { pages } = await splitRam(stream);
    const sections: unknown[] = [];
    const ber = await collect((sink) => importQemuStream([stream], sink));
    for await (const s of readSections(ber)) if (s.kind === "full") sections.push(s.section);
    // A block all of whose pages are zero has no page in a mapped-ram file: compare blocks that have some.
    return {
      pages: [...pages]
        .filter(([, m]) => m.size > 0)
        .map(([n, m]) => [n, [...m].sort((a, b) => a[0] - b[0]).map(([o, d]) => [o, Buffer.from(d).toString("base64")])]),
      sections,
    };
  }

  it("a bare mapped-ram file reads as the stream it stands for: the same pages, the same devices", async () => {
    const path = file("mapped.mig", await mappedRamFile(mig));
    const input = await openFile(path);
    expect(input.containers![0]).toMatchObject({ kind: "mapped-ram" });
    const blocks = input.containers![0]!.kind === "mapped-ram" ? input.containers![0]!.blocks : [];
    expect(blocks.map((b) => b.name)).toContain("pc.ram");
    expect(blocks.every((b) => b.pagesOffset % (1 << 20) === 0)).toBe(true);
    const read = await drain(input.source);
    expect(await state(read)).toEqual(await state(mig));
  });

  it("libvirt's sparse format: a libvirt header, then a mapped-ram stream with absolute offsets", async () => {
    const prefix = buildLibvirtSave(DOMAIN_XML, COOKIE_XML, { littleEndian: true, wasRunning: true, format: "sparse" });
    const path = file("sparse.save", Buffer.concat([prefix, await mappedRamFile(mig, prefix.length)]));
    const input = await openFile(path);
    expect(input.containers!.map((c) => c.kind)).toEqual(["libvirt-save", "mapped-ram"]);
    expect(await state(await drain(input.source))).toEqual(await state(mig));
    await expect(openStream("stdin", streamOf(readFileSync(path)))).rejects.toThrow(/read by position/);
  });

  it("errors: a bitmap or pages outside the file, a bad header version, a cut file", async () => {
    const good = Buffer.from(await mappedRamFile(mig));
    const at = good.indexOf(Buffer.from("pc.ram")) + 6 + 8;
    const outside = Buffer.from(good);
    outside.writeBigUInt64BE(BigInt(good.length), at + 20);
    let e = await decodeError(openFile(file("mr-outside.mig", outside)));
    expect(e.message).toMatch(/block pc.ram: its bitmap .* outside the file/);
    const version = Buffer.from(good);
    version.writeUInt32BE(2, at);
    e = await decodeError(openFile(file("mr-version.mig", version)));
    expect(e.message).toMatch(/mapped-ram header version 2/);
    e = await decodeError(openFile(file("mr-cut.mig", good.subarray(0, at + 10))));
    expect(e.message).toMatch(/the file ends inside a RAM block entry/);
  });
});

describe("domain XML", () => {
  it("well-formed XML with the predefined entities and character references", () => {
    const root = parseXml(`<?xml version="1.0"?><!-- c --><domain a="x &amp; y"><name>a&lt;b&#65;&#x42;</name><![CDATA[<raw>]]><e/></domain>`, "t");
    expect(root.attributes.get("a")).toBe("x & y");
    expect(root.children[0]!.text).toBe("a<bAB");
  });
  for (const [what, xml] of [
    ["a DOCTYPE", "<!DOCTYPE domain><domain/>"],
    ["an entity bomb", `<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><domain>&b;</domain>`],
    ["an undeclared entity", "<domain>&xxe;</domain>"],
    ["mismatched tags", "<domain><name></domain></name>"],
    ["an unclosed element", "<domain><name>"],
    ["two roots", "<a/><b/>"],
    ["text outside the root", "<a/>x"],
    ["a duplicate attribute", `<a x="1" x="2"/>`],
    ["no root", ""],
  ] as const) {
    it(`refuses ${what}`, () => {
      expect(() => parseXml(xml, "t")).toThrow(/not well-formed XML/);
    });
  }
  it("keeps within its size limit", () => {
    expect(() => parseXml(`<a>${"x".repeat(16 * 1024 * 1024 + 1)}</a>`, "t")).toThrow(/longer than/);
  });
});
