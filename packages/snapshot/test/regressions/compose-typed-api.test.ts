/**
 * Issue #17: composeMachine took `unknown` (the parsed JSON) although the
 * description has a type, device overrides were untyped JSON, and RAM came
 * only from hex strings and file names. Now it takes a MachineDescription:
 * overrides typed by the device's plugin (deviceOverride), RAM from bytes,
 * streams, generators and @qber/ram's RamSources; composeMachineJson keeps
 * checking parsed JSON for the command.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { readSections } from "@qber/core";
import { devicesRegistry, hpetPlugin, i8259Plugin, x86CpuPlugin } from "@qber/devices";
import { bufferRamSource, generatedRamSource, memorySinks, reconstructRam } from "@qber/ram";
import { afterAll, describe, expect, it } from "vitest";
import { type MachineDescription, composeMachine, composeMachineJson, deviceOverride } from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "qber-compose-api-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function compose(description: MachineDescription): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await composeMachine(description, (c) => void chunks.push(c.slice()), { baseDir: dir });
  return new Uint8Array(Buffer.concat(chunks));
}

const pattern = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);

describe("typed device overrides", () => {
  it("deviceOverride takes the device's state type (bigints for 64-bit fields, elements by index) and the plugin reads it back typed", async () => {
    const ber = await compose({
      machine: "pc",
      memory: "2M",
      devices: { hpet: deviceOverride(hpetPlugin, { config: 1n, timer: { 1: { cmp: 0x1000n } } }), "i8259#1": deviceOverride(i8259Plugin, { imr: 0xa5 }) },
      cpu: deviceOverride(x86CpuPlugin, { eip: 0x7c00n }),
    });
    const hpets = [];
    for await (const s of readSections(ber, devicesRegistry))
      if (s.kind === "full" && s.section.name === "hpet") hpets.push(hpetPlugin.ber.decode(s.section.contents, s.section));
    expect(hpets).toHaveLength(1);
    expect(hpets[0]!.config).toBe(1n);
    expect(hpets[0]!.timer.map((t) => t.cmp)).toEqual([0xffffffffffffffffn, 0x1000n, 0xffffffffffffffffn]);
  });

  it("refuses an override made for another device's plugin", async () => {
    await expect(compose({ machine: "pc", memory: "2M", devices: { hpet: deviceOverride(i8259Plugin, { imr: 1 }) } })).rejects.toThrow(
      /hpet: the override is for @qber\/devices:i8259, but hpet is modelled by @qber\/devices:hpet/,
    );
  });

  it("type-checks the values against the description (checked by the lint's tsc)", () => {
    const wrong = () => [
      // @ts-expect-error config is a 64-bit field: a bigint
      deviceOverride(hpetPlugin, { config: 1 }),
      // @ts-expect-error the HPET has no such field
      deviceOverride(hpetPlugin, { colour: 1 }),
      // @ts-expect-error imr is a number
      deviceOverride(i8259Plugin, { imr: "0xa5" }),
    ];
    expect(typeof wrong).toBe("function");
  });
});

describe("RAM from bytes, streams, generators and RamSources", () => {
  it("puts each where it says, later loads over earlier ones", async () => {
    writeFileSync(join(dir, "file.bin"), pattern(100, 9));
    async function* chunks(): AsyncGenerator<Uint8Array> {
      // Chunks across page boundaries, and an empty one.
      yield pattern(5000, 1);
      yield new Uint8Array(0);
      yield pattern(5000, 2);
    }
    function* syncChunks(): Generator<Uint8Array> {
      yield pattern(10, 3);
      yield pattern(10, 4);
    }
    const ber = await compose({
      machine: "q35",
      memory: "1M",
      load: [
        { addr: 0x7c00, bytes: pattern(512, 5) },
        { addr: "0x10000", bytes: chunks() },
        { addr: 0x20000, bytes: Readable.from([Buffer.from(pattern(3000, 6)), Buffer.from(pattern(3000, 7))]) },
        { addr: 0x30000, file: "file.bin" },
        { addr: 0x7d00, hex: "deadbeef" },
      ],
      ram: {
        "pc.bios": generatedRamSource("pc.bios", 256 * 1024, (index, page) => page.fill(index & 0xff)),
        "pc.rom": bufferRamSource("pc.rom", pattern(128 * 1024, 8)),
        "/rom@etc/acpi/rsdp": syncChunks(),
      },
    });
    const sinks = memorySinks();
    await reconstructRam(ber, sinks);
    const ram = sinks.images.get("pc.ram")!;
    const expected = new Uint8Array(1024 * 1024);
    expected.set(pattern(512, 5), 0x7c00);
    expected.set([0xde, 0xad, 0xbe, 0xef], 0x7d00);
    expected.set(pattern(5000, 1), 0x10000);
    expected.set(pattern(5000, 2), 0x10000 + 5000);
    expected.set(pattern(3000, 6), 0x20000);
    expected.set(pattern(3000, 7), 0x20000 + 3000);
    expected.set(pattern(100, 9), 0x30000);
    expect(Buffer.compare(ram, expected)).toBe(0);
    expect(sinks.images.get("pc.bios")!.subarray(0x3000, 0x3003)).toEqual(Uint8Array.of(3, 3, 3));
    expect(Buffer.compare(sinks.images.get("pc.rom")!, pattern(128 * 1024, 8))).toBe(0);
    expect(sinks.images.get("/rom@etc/acpi/rsdp")!.subarray(0, 21)).toEqual(Uint8Array.from([...pattern(10, 3), ...pattern(10, 4), 0]));
  });

  it("loads over a RamSource given for pc.ram", async () => {
    const ber = await compose({
      machine: "pc",
      memory: "1M",
      ram: { "pc.ram": bufferRamSource("pc.ram", new Uint8Array(1024 * 1024).fill(0x11)) },
      load: [{ addr: 4096, hex: "22" }],
    });
    const sinks = memorySinks();
    await reconstructRam(ber, sinks);
    expect(sinks.images.get("pc.ram")!.subarray(4095, 4098)).toEqual(Uint8Array.of(0x11, 0x22, 0x11));
  });

  it("refuses what does not fit", async () => {
    async function* tooLong(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(8192);
    }
    await expect(compose({ machine: "pc", memory: "1M", load: [{ addr: 1024 * 1024 - 4096, bytes: tooLong() }] })).rejects.toThrow(
      /load\[0\] at 0xff000 holds more bytes than the 1048576 bytes of pc.ram leave room for/,
    );
    await expect(compose({ machine: "pc", memory: "1M", load: [{ addr: 1024 * 1024 - 1, bytes: new Uint8Array(2) }] })).rejects.toThrow(
      /load\[0\] at 0xfffff \(2 bytes\) ends past the 1048576 bytes of pc.ram/,
    );
    await expect(compose({ machine: "pc", memory: "1M", ram: { "pc.rom": bufferRamSource("pc.rom", new Uint8Array(4096)) } })).rejects.toThrow(
      /ram.pc.rom: the RamSource is pc.rom of 4096 bytes, the block pc.rom of 131072/,
    );
    await expect(compose({ machine: "pc", memory: "1M", ram: { "pc.rom": new Uint8Array(128 * 1024 + 1) } })).rejects.toThrow(
      /ends past the 131072 bytes of pc.rom/,
    );
  });
});

describe("parsed JSON", () => {
  it("composeMachineJson checks the JSON Schema first; composeMachine takes the same description typed", async () => {
    await expect(composeMachineJson({ machine: "pc", memory: "1M", colour: "blue" }, () => {})).rejects.toThrow(
      /invalid machine description: .*additional properties/,
    );
    await expect(composeMachineJson({ machine: "pc", memory: "1M", load: [{ addr: 0, hex: "00", file: "x" }] }, () => {})).rejects.toThrow(
      /load\[0\] needs exactly one of file, hex and bytes/,
    );
    const json = { machine: "pc", memory: "1M", load: [{ addr: "0x7c00", hex: "ebfe" }], devices: { "i8259#0": { imr: 1 } } } as const;
    const chunks: Uint8Array[] = [];
    await composeMachineJson(json, (c) => void chunks.push(c.slice()));
    expect(Buffer.compare(Buffer.concat(chunks), await compose(json))).toBe(0);
  });
});
