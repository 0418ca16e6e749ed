/**
 * Composes a whole machine without running QEMU: the machine type's device
 * sections in their power-on states (from @qber/devices) with overrides,
 * RAM filled from files, bytes and streams, and the framing QEMU expects
 * (configuration, RAM setup, a first pass, the END section, the vmdesc).
 * Everything that can be checked before the first byte is written is:
 * the description, the overrides and every overridden state, file names,
 * and the bounds of every load whose length is known.
 */
import { resolve } from "node:path";
import { PassThrough } from "node:stream";
import { type ByteSink, type Registry, ReservedName, SectionWriter, encodeStreamInfo, reservedSection } from "@qber/core";
import { type MachineSpec, type SectionSpec, devicesRegistry, pcMachine, q35Machine, ramBlocksFor } from "@qber/devices";
import { type RamSource, composeRam } from "@qber/ram";
import { type VmdescDevice, describeDevice, formatVmdesc, stateFromJson, stateToJson, validateState } from "@qber/vmstate";
import type { TObject } from "typebox";
import { configurationEntries, exportQemuStream } from "@qber/qemu/bridge";
import { fail } from "./compose-error.js";
import { isDeviceOverride, patchToJson } from "./device-override.js";
import { type Load, blockSource, bytesLoad, chunksLoad, fileLoad } from "./guest-ram.js";
import type { ByteChunks, JsonOverride, LoadSpec, MachineDescription, RamContent } from "./machine-description.js";
import { type MachineFile, checkMachineFile, parseAddress, parseSize } from "./machine-file.js";
import { type Json, applyOverrides } from "./overrides.js";
import { sectionLabel, sectionsAddressed } from "./section-address.js";
import type { DeviceOverride } from "./device-override.js";

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

const MACHINES: Record<MachineDescription["machine"], MachineSpec> = { pc: pcMachine, q35: q35Machine };
/** Code segment of real mode with CS=0. */
const REAL_MODE_CS = { selector: 0, base: "0", limit: 0xffff };

interface DeviceSection {
  readonly spec: SectionSpec;
  readonly description: TObject;
  readonly state: unknown;
}

function checked<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    return fail(`${what}: ${(e as Error).message}`);
  }
}

/** The overrides in the order they apply: `devices`, then `cpu`, then what `entry` sets. */
function overrideList(d: MachineDescription): [string, JsonOverride | DeviceOverride][] {
  const list = Object.entries(d.devices ?? {});
  if (d.cpu !== undefined) list.push(["cpu", d.cpu]);
  const at = d.entry;
  if (at !== undefined) {
    const entry = checked("entry", () => parseAddress(at));
    if (entry > 0xffff) fail(`entry 0x${entry.toString(16)} is beyond the first 64 KiB that real mode with CS=0 reaches`);
    list.push(["cpu", { eip: String(entry), segs: { 1: REAL_MODE_CS } }]);
  }
  return list;
}

/** The device sections with their states, overridden and validated. */
function deviceStates(machine: MachineSpec, d: MachineDescription): DeviceSection[] {
  const now = d.now === undefined ? new Date(Date.UTC(2000, 0, 1)) : new Date(d.now);
  if (Number.isNaN(now.getTime())) fail(`now: ${String(d.now)} is not a date`);
  const patches = new Map<SectionSpec, Json[]>();
  for (const [key, override] of overrideList(d)) {
    for (const spec of sectionsAddressed(machine, key)) {
      if (isDeviceOverride(override) && override.plugin.id !== spec.plugin.id) {
        fail(`${key}: the override is for ${override.plugin.id}, but ${sectionLabel(machine, spec)} is modelled by ${spec.plugin.id}`);
      }
      const json = isDeviceOverride(override) ? patchToJson(override.values) : (override as Json);
      patches.set(spec, [...(patches.get(spec) ?? []), json]);
    }
  }
  return machine.sections.map((spec) => {
    const { description } = spec.plugin;
    const state = spec.powerOn({ now });
    const overrides = patches.get(spec);
    // Power-on states are valid (the devices' tests check each); an overridden one is checked here.
    if (overrides === undefined) return { spec, description, state };
    const label = sectionLabel(machine, spec);
    const overridden = checked(label, () =>
      stateFromJson(
        description,
        overrides.reduce((json, o) => applyOverrides(json, o), stateToJson(description, state as never) as Json),
      ),
    );
    const problems = validateState(description, overridden as never, label);
    if (problems.length > 0) fail(problems.map((p) => p.message).join("; "));
    return { spec, description, state: overridden };
  });
}

function isRamSource(v: RamContent): v is RamSource {
  return (
    typeof v === "object" &&
    !(v instanceof Uint8Array) &&
    typeof (v as Partial<RamSource>).read === "function" &&
    typeof (v as Partial<RamSource>).length === "number"
  );
}

function isChunks(v: unknown): v is ByteChunks {
  return typeof v === "object" && v !== null && (Symbol.asyncIterator in v || Symbol.iterator in v);
}

/** A load of bytes or chunks at `addr`. */
function contentLoad(addr: number, content: Uint8Array | ByteChunks, what: string): Load {
  if (content instanceof Uint8Array) return bytesLoad(addr, content, what);
  if (isChunks(content)) return chunksLoad(addr, content, what);
  return fail(`${what}: neither bytes (Uint8Array) nor an iterable of them`);
}

function loadOf(spec: LoadSpec, base: string, index: number): Load {
  const given = (["file", "hex", "bytes"] as const).filter((k) => k in spec && (spec as Record<string, unknown>)[k] !== undefined);
  if (given.length !== 1) fail(`load[${index}] needs exactly one of file, hex and bytes`);
  const addr = checked(`load[${index}].addr`, () => parseAddress(spec.addr));
  if ("file" in spec) return fileLoad(addr, resolve(base, spec.file));
  if ("hex" in spec) {
    if (!/^([0-9a-fA-F]{2})*$/.test(spec.hex)) fail(`load[${index}].hex is not hex bytes`);
    return bytesLoad(addr, Uint8Array.from(Buffer.from(spec.hex, "hex")), `load[${index}]`);
  }
  return contentLoad(addr, spec.bytes, `load[${index}]`);
}

/** Checks a machine description (parsed JSON: docs/compose.md) against its JSON Schema and composes it into `sink`. */
export async function composeMachineJson(json: unknown, sink: ByteSink, options: ComposeOptions = {}): Promise<ComposeSummary> {
  const problems = checkMachineFile(json);
  if (problems.length > 0) fail(`invalid machine description: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
  // The schema leaves "exactly one of file and hex" to composeMachine (its message is clearer than ajv's oneOf).
  return composeMachine(json as MachineFile as MachineDescription, sink, options);
}

/** Composes the machine `description` into `sink` (QEMU's stream with `format: "qemu"`, else qber's BER). */
export async function composeMachine(description: MachineDescription, sink: ByteSink, options: ComposeOptions = {}): Promise<ComposeSummary> {
  const machine = MACHINES[description.machine] ?? fail(`machine: ${JSON.stringify(description.machine)} is neither pc nor q35`);
  const memory = checked("memory", () => parseSize(description.memory));
  const blocks = checked("memory", () => ramBlocksFor(machine, memory));
  const base = options.baseDir ?? ".";
  const ram = description.ram ?? {};
  for (const name of Object.keys(ram)) if (!blocks.some((b) => b.name === name)) fail(`no RAM block ${JSON.stringify(name)} in a ${machine.alias} machine`);
  const devices = deviceStates(machine, description);
  const loads: Load[] = [];
  try {
    const sources = blocks.map((b) => {
      const content = ram[b.name];
      const first = loads.length;
      let source: RamSource | undefined;
      if (content !== undefined && isRamSource(content)) {
        if (content.name !== b.name || content.length !== b.length)
          fail(`ram.${b.name}: the RamSource is ${content.name} of ${content.length} bytes, the block ${b.name} of ${b.length}`);
        source = content;
      } else if (typeof content === "string") loads.push(fileLoad(0, resolve(base, content)));
      else if (content !== undefined) loads.push(contentLoad(0, content, `ram.${b.name}`));
      // Pushed one by one: whatever was opened is closed if a later load fails.
      if (b.name === "pc.ram") for (const [i, l] of (description.load ?? []).entries()) loads.push(loadOf(l, base, i));
      return blockSource(b.name, b.length, source, loads.slice(first));
    });
    await write(machine, devices, sources, sink, options);
  } finally {
    for (const l of loads) await l.close?.();
  }
  return { machine: machine.machineType, memory, sections: devices.length };
}

async function write(
  machine: MachineSpec,
  devices: readonly DeviceSection[],
  sources: readonly RamSource[],
  sink: ByteSink,
  options: ComposeOptions,
): Promise<void> {
  const registry = options.registry ?? devicesRegistry;
  const vmdesc: VmdescDevice[] = devices.map(
    (d) => describeDevice(d.description, d.state as never, { name: d.spec.idstr, instanceId: d.spec.instanceId, version: d.spec.version }).vmdesc,
  );
  const writeBer = async (out: ByteSink) => {
    const w = new SectionWriter(out);
    await w.writeSection(reservedSection(ReservedName.configuration, { kind: "vmstate", value: configurationEntries(machine.machineType) }));
    await w.writeSection(reservedSection(ReservedName.stream, { kind: "oldblob", value: encodeStreamInfo({ footers: true }) }));
    await composeRam(w, sources, [], { sectionId: machine.ramSection.sectionId, xbzrle: false });
    // QEMU ends the RAM with an END section; for a stopped machine it holds nothing.
    await w.writeSection(reservedSection(ReservedName.end, { kind: "oldblob", value: new Uint8Array(0) }));
    w.beginMin(BigInt(machine.ramSection.sectionId));
    await w.endMin();
    await w.writeSection(reservedSection(ReservedName.vmdesc, { kind: "oldblob", value: formatVmdesc({ page_size: machine.pageSize, devices: vmdesc }) }));
    for (const d of devices) {
      const info = { name: d.spec.idstr, instanceId: BigInt(d.spec.instanceId), versionId: BigInt(d.spec.version) };
      const plugin = registry.find(info.name, info.versionId) ?? fail(`no plugin for ${info.name}`);
      await w.writeSection({ kind: "full", ...info, sectionId: BigInt(d.spec.sectionId), contents: plugin.ber.encode(d.state, info) });
    }
    await w.close();
  };
  if (options.format !== "qemu") return writeBer(sink);
  const pipe = new PassThrough({ highWaterMark: 1 << 20 });
  const composing = writeBer(pipe).then(
    () => pipe.end(),
    (e: unknown) => {
      pipe.destroy(e as Error);
      throw e;
    },
  );
  await Promise.all([composing, exportQemuStream(pipe, sink, { registry })]);
}
