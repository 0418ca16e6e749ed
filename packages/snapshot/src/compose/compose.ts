/**
 * Composes a whole machine without running QEMU: the machine type's device
 * sections in their power-on states (from @qber/devices) with overrides,
 * RAM filled from files and inline bytes, and the framing QEMU expects
 * (configuration, RAM setup, a first pass, the END section, the vmdesc).
 * Everything is validated before the first byte is written.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { resolve } from "node:path";
import { PassThrough } from "node:stream";
import { type ByteSink, QberEncodeError, type Registry, SectionWriter } from "@qber/core";
import { type MachineSpec, devicesRegistry, pcMachine, q35Machine, ramBlocksFor } from "@qber/devices";
import { type RamSource, composeRam, fileRamSource, generatedRamSource } from "@qber/ram";
import { type VmdescDevice, describeDevice, formatVmdesc, stateFromJson, stateToJson, validateState } from "@qber/vmstate";
import type { TObject } from "typebox";
import { configurationEntries, exportQemuStream } from "@qber/qemu/bridge";
import { ReservedName, baseName, encodeStreamInfo, reservedSection } from "@qber/core";
import { type Json, applyOverrides } from "./overrides.js";
import { type MachineFile, checkMachineFile, parseAddress, parseSize } from "./machine-file.js";

export interface ComposeOptions {
  /** Directory that relative file names in the description are read from. */
  readonly baseDir?: string;
  readonly format?: "ber" | "qemu";
  readonly registry?: Registry;
}

export interface ComposeSummary {
  readonly machine: string;
  readonly memory: number;
  readonly sections: number;
}

const MACHINES: Record<MachineFile["machine"], MachineSpec> = { pc: pcMachine, q35: q35Machine };
const CPU = "cpu";
/** Code segment flags of a real-mode CS (present, code, readable, accessed). */
const REAL_MODE_CS = { selector: 0, base: "0", limit: 0xffff };

function fail(reason: string): never {
  throw new QberEncodeError(`compose: ${reason}`);
}

interface DeviceSection {
  readonly spec: MachineSpec["sections"][number];
  readonly description: TObject;
  readonly state: unknown;
}

/** The device sections with their states, overridden and validated. */
function deviceStates(machine: MachineSpec, file: MachineFile): DeviceSection[] {
  const now = file.now ? new Date(file.now) : new Date(Date.UTC(2000, 0, 1));
  const overrides = new Map(Object.entries(file.devices ?? {}));
  const cpu: Record<string, Json> = { ...((file.cpu ?? {}) as Record<string, Json>) };
  if (file.entry !== undefined) {
    const entry = parseAddress(file.entry);
    if (entry > 0xffff) fail(`entry 0x${entry.toString(16)} is beyond the first 64 KiB that real mode with CS=0 reaches`);
    cpu.eip = String(entry);
    cpu.segs = { ...(cpu.segs as Record<string, Json> | undefined), 1: REAL_MODE_CS };
  }
  if (Object.keys(cpu).length > 0) overrides.set(CPU, { ...(overrides.get(CPU) as Record<string, Json> | undefined), ...cpu });
  const used = new Set<string>();
  const out = machine.sections.map((spec) => {
    const { description } = spec.plugin;
    let state = spec.powerOn({ now });
    const vmsdName = baseName(spec.idstr);
    const key = [spec.idstr, `${spec.idstr}#${spec.instanceId}`, spec.instanceId === 0 ? vmsdName : `${vmsdName}#${spec.instanceId}`].find((k) => overrides.has(k));
    if (key !== undefined) {
      used.add(key);
      try {
        const json = applyOverrides(stateToJson(description, state as never) as Json, overrides.get(key) as Json);
        state = stateFromJson(description, json);
      } catch (e) {
        fail(`${spec.idstr}: ${(e as Error).message}`);
      }
      // Power-on states are valid (the devices' tests check each); an overridden one is checked here.
      const problems = validateState(description, state as never, spec.idstr);
      if (problems.length > 0) fail(problems.map((p) => p.message).join("; "));
    }
    return { spec, description, state };
  });
  for (const k of overrides.keys()) if (!used.has(k)) fail(`no section ${JSON.stringify(k)} in a ${machine.alias} machine (use an idstr, or vmsd name with #instance)`);
  return out;
}

/** Bytes put into guest RAM: read on demand, so a large file is never held whole. */
interface Load {
  readonly addr: number;
  readonly length: number;
  /** Copies load bytes [from, from + into.length) into `into`. */
  read(from: number, into: Uint8Array): void;
}

function bytesLoad(addr: number, bytes: Uint8Array): Load {
  return { addr, length: bytes.length, read: (from, into) => into.set(bytes.subarray(from, from + into.length)) };
}

function fileLoad(addr: number, path: string, fds: number[]): Load {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    return fail(`${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  fds.push(fd);
  return {
    addr,
    length: fstatSync(fd).size,
    read(from, into) {
      for (let got = 0; got < into.length; ) {
        const n = readSync(fd, into, got, into.length - got, from + got);
        if (n === 0) fail(`${path} changed while it was read`);
        got += n;
      }
    },
  };
}

/** pc.ram's contents: zeros with the loads copied in. */
function guestRam(name: string, length: number, loads: readonly Load[]): RamSource {
  for (const l of loads) if (l.addr + l.length > length) fail(`a load at 0x${l.addr.toString(16)} of ${l.length} bytes ends past the ${length} bytes of ${name}`);
  return generatedRamSource(name, length, (index, page) => {
    const start = index * 4096;
    const end = start + 4096;
    for (const l of loads) {
      const from = Math.max(start, l.addr);
      const to = Math.min(end, l.addr + l.length);
      if (from < to) l.read(from - l.addr, page.subarray(from - start, to - start));
    }
  });
}

/** Checks a machine description (JSON) and composes it into `sink`. */
export async function composeMachine(json: unknown, sink: ByteSink, options: ComposeOptions = {}): Promise<ComposeSummary> {
  const problems = checkMachineFile(json);
  if (problems.length > 0) fail(`invalid machine description: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
  const file = json as MachineFile;
  const machine = MACHINES[file.machine];
  const memory = parseSize(file.memory);
  const base = options.baseDir ?? ".";
  const fds: number[] = [];
  try {
    return await composeWith(file, machine, memory, base, fds, sink, options);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

async function composeWith(file: MachineFile, machine: MachineSpec, memory: number, base: string, fds: number[], sink: ByteSink, options: ComposeOptions): Promise<ComposeSummary> {
  const loads = (file.load ?? []).map((l) => {
    if ((l.file === undefined) === (l.hex === undefined)) fail("each load needs exactly one of file and hex");
    const addr = parseAddress(l.addr);
    return l.file !== undefined ? fileLoad(addr, resolve(base, l.file), fds) : bytesLoad(addr, Uint8Array.from(Buffer.from(l.hex!, "hex")));
  });
  const blocks = ramBlocksFor(machine, memory);
  for (const name of Object.keys(file.ram ?? {})) if (!blocks.some((b) => b.name === name)) fail(`no RAM block ${JSON.stringify(name)} in a ${machine.alias} machine`);
  const devices = deviceStates(machine, file);
  const sources = blocks.map((b) => {
    const image = file.ram?.[b.name];
    if (image !== undefined) return fileRamSource(b.name, resolve(base, image), { length: b.length });
    return guestRam(b.name, b.length, b.name === "pc.ram" ? loads : []);
  });
  const vmdesc: VmdescDevice[] = devices.map((d) => describeDevice(d.description, d.state as never, { name: d.spec.idstr, instanceId: d.spec.instanceId, version: d.spec.version }).vmdesc);

  const write = async (out: ByteSink) => {
    const w = new SectionWriter(out);
    await w.writeSection(reservedSection(ReservedName.configuration, { kind: "vmstate", value: configurationEntries(machine.machineType) }));
    await w.writeSection(reservedSection(ReservedName.stream, { kind: "oldblob", value: encodeStreamInfo({ footers: true }) }));
    await composeRam(w, sources, [], { sectionId: machine.ramSection.sectionId, xbzrle: false });
    // QEMU ends the RAM with an END section; for a stopped machine it holds nothing.
    await w.writeSection(reservedSection(ReservedName.end, { kind: "oldblob", value: new Uint8Array(0) }));
    w.beginMin(BigInt(machine.ramSection.sectionId));
    await w.endMin();
    await w.writeSection(reservedSection(ReservedName.vmdesc, { kind: "oldblob", value: formatVmdesc({ page_size: machine.pageSize, devices: vmdesc }) }));
    const registry = options.registry ?? devicesRegistry;
    for (const d of devices) {
      const info = { name: d.spec.idstr, instanceId: BigInt(d.spec.instanceId), versionId: BigInt(d.spec.version) };
      const plugin = registry.find(info.name, info.versionId) ?? fail(`no plugin for ${info.name}`);
      await w.writeSection({ kind: "full", ...info, sectionId: BigInt(d.spec.sectionId), contents: plugin.ber.encode(d.state, info) });
    }
    await w.close();
  };

  try {
    if (options.format === "qemu") {
      const pipe = new PassThrough({ highWaterMark: 1 << 20 });
      const composing = write(pipe).then(
        () => pipe.end(),
        (e: unknown) => {
          pipe.destroy(e as Error);
          throw e;
        },
      );
      await Promise.all([composing, exportQemuStream(pipe, sink, { registry: options.registry ?? devicesRegistry })]);
    } else {
      await write(sink);
    }
  } finally {
    for (const s of sources) await s.close?.();
  }
  return { machine: machine.machineType, memory, sections: devices.length };
}
