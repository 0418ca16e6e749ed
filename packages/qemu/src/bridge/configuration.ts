/**
 * QEMU's configuration section (record 0x07): the machine type name and up
 * to three subsections. It has no id, version or footer on the wire; QEMU
 * loads it as version 0 of its `configuration` vmsd, whose fields map to
 * VMStateEntries as everywhere else (DESIGN §3):
 *
 *   len (uint32) -> int, name (buffer of len bytes) -> oldblob,
 *   subsections -> one subsecl entry:
 *     configuration/target-page-bits: [int]
 *     configuration/capabilities:     [int count, array of oldblob names]
 *     configuration/uuid:             [oldblob 16 bytes]
 */
import type { LegacyReader, LegacyWriter, SubSection, VmStateEntry } from "@qber/core";
import { QberEncodeError } from "@qber/core";

const SUBSECTION = 0x05;
const PREFIX = "configuration";
const latin1 = new TextDecoder("latin1");

/** The entries of a configuration section naming `machineType`, with no subsections. */
export function configurationEntries(machineType: string): VmStateEntry[] {
  const name = new TextEncoder().encode(machineType);
  return [
    { kind: "int", value: BigInt(name.length) },
    { kind: "oldblob", value: name },
  ];
}

/** Reads the configuration body that follows the 0x07 byte. */
export async function readConfiguration(r: LegacyReader): Promise<VmStateEntry[]> {
  const len = await r.be32("the configuration name length");
  if (len > 255) r.fail(`configuration name of ${len} bytes`, r.offset - 4, "a machine type name");
  const name = await r.bytes(len, "the configuration machine name");
  const entries: VmStateEntry[] = [
    { kind: "int", value: BigInt(len) },
    { kind: "oldblob", value: name },
  ];
  const subsections: SubSection[] = [];
  // Subsections follow while the next byte is 0x05 and the name is one of ours.
  for (;;) {
    const rb = r.r;
    // The end of the input here is the caller's to report (no record follows).
    if (!(await rb.ensure(1)) || rb.buf[rb.pos] !== SUBSECTION) break;
    await r.need(2, "a configuration subsection");
    const nameLen = rb.buf[rb.pos + 1]!;
    await r.need(2 + nameLen, "a configuration subsection name");
    const sub = latin1.decode(rb.buf.subarray(rb.pos + 2, rb.pos + 2 + nameLen));
    if (!sub.startsWith(PREFIX)) break;
    const at = r.offset;
    rb.pos += 2 + nameLen;
    const versionId = BigInt(await r.be32("a subsection version"));
    let contents: VmStateEntry[];
    if (sub === "configuration/target-page-bits") {
      contents = [{ kind: "int", value: BigInt(await r.be32("target-page-bits")) }];
    } else if (sub === "configuration/capabilities") {
      const count = await r.be32("the capability count");
      if (count > 64) r.fail(`${count} capabilities`, r.offset - 4, "at most 64");
      const caps: VmStateEntry[] = [];
      for (let i = 0; i < count; i++) {
        const n = await r.u8("a capability name length");
        caps.push({ kind: "oldblob", value: await r.bytes(n, "a capability name") });
      }
      contents = [
        { kind: "int", value: BigInt(count) },
        { kind: "array", value: caps },
      ];
    } else if (sub === "configuration/uuid") {
      contents = [{ kind: "oldblob", value: await r.bytes(16, "the uuid") }];
    } else {
      return r.fail(`unknown configuration subsection ${JSON.stringify(sub)}`, at);
    }
    subsections.push({ name: sub, versionId, contents });
  }
  if (subsections.length > 0) entries.push({ kind: "subsecl", value: subsections });
  return entries;
}

function fail(reason: string): never {
  throw new QberEncodeError(`configuration: ${reason}`);
}

function int(e: VmStateEntry | undefined, what: string): number {
  if (e?.kind !== "int") fail(`${what} must be an int entry`);
  return Number(e.value);
}

function blob(e: VmStateEntry | undefined, what: string): Uint8Array {
  if (e?.kind !== "oldblob") fail(`${what} must be an oldblob entry`);
  return e.value;
}

/** Writes the configuration body (after the 0x07 byte) from its entries. */
export function writeConfiguration(w: LegacyWriter, entries: readonly VmStateEntry[]): void {
  const name = blob(entries[1], "name");
  const len = int(entries[0], "len");
  if (len !== name.length) fail(`len ${len} does not match the name's ${name.length} bytes`);
  w.be32(len);
  w.bytes(name);
  const sub = entries[2];
  if (sub === undefined) return;
  if (sub.kind !== "subsecl" || entries.length > 3) fail("only a subsecl entry may follow len and name");
  for (const s of sub.value) {
    w.u8(SUBSECTION);
    w.countedString(s.name);
    w.be32(Number(s.versionId));
    const c = s.contents;
    if (s.name === "configuration/target-page-bits") {
      w.be32(int(c[0], "target-page-bits"));
    } else if (s.name === "configuration/capabilities") {
      const caps = c[1];
      if (caps?.kind !== "array") fail("capabilities must be an array entry");
      if (int(c[0], "the capability count") !== caps.value.length) fail("the capability count does not match the list");
      w.be32(caps.value.length);
      for (const cap of caps.value) {
        const b = blob(cap, "a capability");
        w.u8(b.length);
        w.bytes(b);
      }
    } else if (s.name === "configuration/uuid") {
      const u = blob(c[0], "uuid");
      if (u.length !== 16) fail("uuid must be 16 bytes");
      w.bytes(u);
    } else {
      fail(`unknown subsection ${JSON.stringify(s.name)}`);
    }
  }
}

/** The capability names announced in the configuration (x-ignore-shared changes the RAM block list). */
export function configurationCapabilities(entries: readonly VmStateEntry[]): string[] {
  const sub = entries.find((e) => e.kind === "subsecl");
  if (sub?.kind !== "subsecl") return [];
  const caps = sub.value.find((s) => s.name === "configuration/capabilities")?.contents[1];
  return caps?.kind === "array" ? caps.value.map((c) => (c.kind === "oldblob" ? latin1.decode(c.value) : "")) : [];
}
