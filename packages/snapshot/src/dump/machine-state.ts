/**
 * What a memory dump needs of a snapshot besides its RAM pages, read in one
 * pass that skips the pages: the machine type, the RAM blocks, the host
 * bridge's PCI config space (PAM registers) and every vCPU's registers.
 * x86 vCPUs come through the typed "cpu" plugin; aarch64 ones, which have
 * no typed model, through the stream's own vmdesc.
 */
import { type ByteSource, type DecodeLimits, QberDecodeError, type Registry, type SecFull, emptyRegistry, readSections } from "@qber/core";
import { defaultRegistry } from "@qber/devices";
import { SnapshotContext } from "@qber/qemu/classify";
import type { ArmCpuRegisters } from "./arm-notes.js";
import type { X86CpuRegisters } from "./x86-notes.js";

export type CpuRegisters = { readonly arch: "x86"; readonly regs: X86CpuRegisters } | { readonly arch: "aarch64"; readonly regs: ArmCpuRegisters };

export interface MachineState {
  readonly machineType: string;
  /** RAM block lengths by idstr, in the setup section's order. */
  readonly blocks: ReadonlyMap<string, number>;
  readonly hostBridgeConfig: Uint8Array | undefined;
  /** vCPUs in CPU index order. */
  readonly cpus: readonly CpuRegisters[];
}

export interface MachineStateOptions {
  readonly registry?: Registry;
  readonly limits?: Partial<DecodeLimits>;
}

type Obj = Record<string, unknown>;

const big = (v: unknown): bigint => (typeof v === "bigint" ? v : typeof v === "number" ? BigInt(v) : 0n);
/** A big-endian field the vmdesc gives no type for (QEMU's custom `cpsr` / `fpscr` infos), as bytes. */
const be32 = (v: unknown): number => (v instanceof Uint8Array && v.length === 4 ? Buffer.from(v).readUInt32BE(0) : Number(big(v)));

function armRegisters(state: Obj, where: { offset: number }): ArmCpuRegisters {
  const xregs = state["env.xregs"];
  const vfp = state["cpu/vfp"] as Obj | undefined;
  if (!Array.isArray(xregs) || state["env.pc"] === undefined || state["cpsr"] === undefined) {
    throw new QberDecodeError("aarch64 cpu section without env.xregs, env.pc and cpsr", where);
  }
  const qregs = Array.from({ length: 32 }, (_, i): readonly [bigint, bigint] => {
    const d = vfp?.[`env.vfp.zregs[${i}].d`];
    return Array.isArray(d) ? [big(d[0]), big(d[1])] : [0n, 0n];
  });
  return { xregs: xregs.map(big), pc: big(state["env.pc"]), pstate: be32(state["cpsr"]), qregs, fpscr: vfp ? be32(vfp["fpscr"]) : 0 };
}

/** The 256-byte config space of a PCI device state, typed (parent_obj.config) or from a vmdesc (config[0]). */
export function pciConfig(state: unknown): Uint8Array | undefined {
  if (state instanceof Uint8Array) return state.length >= 256 ? state : undefined;
  if (typeof state !== "object" || state === null || Array.isArray(state)) return undefined;
  for (const [k, v] of Object.entries(state as Obj)) {
    if (/^(parent_obj|config(\[0\])?)$/.test(k)) {
      const c = pciConfig(v);
      if (c) return c;
    }
  }
  return undefined;
}

/** The pc / q35 host bridge section, whose config space holds the PAM registers. */
export const isHostBridge = (name: string): boolean => /(^|\/)(I440FX|mch)$/.test(name);

export async function readMachineState(source: ByteSource, options: MachineStateOptions = {}): Promise<MachineState> {
  const context = new SnapshotContext(options.registry ?? defaultRegistry);
  let blocks: Map<string, number> | undefined;
  let hostBridgeConfig: Uint8Array | undefined;
  const cpus = new Map<bigint, CpuRegisters>();
  const decode = (sec: SecFull, offset: number): unknown => {
    const d = context.decode(sec);
    if (d.by === "blob")
      throw new QberDecodeError(`${sec.name} (instance ${sec.instanceId}): cannot decode${d.error ? `: ${d.error.reason}` : ""}`, { offset });
    return d.state;
  };
  for await (const s of readSections(source, emptyRegistry, options.limits ? { limits: options.limits } : {})) {
    if (s.kind === "min") continue; // RAM pages: the second pass
    const sec = s.section;
    const kind = context.see(sec);
    if (kind === "ram-setup" && sec.contents.kind === "ramblid") {
      blocks = new Map(sec.contents.value.blocks.map((b) => [b.name, Number(b.len)]));
    } else if (kind !== "device") {
    } else if (sec.name === "cpu") {
      const state = decode(sec, s.offset) as Obj;
      if ("env.xregs" in state) cpus.set(sec.instanceId, { arch: "aarch64", regs: armRegisters(state, s) });
      else if (Array.isArray(state["regs"]) && Array.isArray(state["segs"]))
        cpus.set(sec.instanceId, { arch: "x86", regs: state as unknown as X86CpuRegisters });
      else throw new QberDecodeError(`cpu (instance ${sec.instanceId}): neither the typed x86 model nor an aarch64 layout read it`, s);
    } else if (isHostBridge(sec.name)) {
      hostBridgeConfig = pciConfig(decode(sec, s.offset));
    }
  }
  const machineType = context.machineType;
  if (machineType === undefined) throw new QberDecodeError("no configuration section naming the machine type", {});
  if (blocks === undefined) throw new QberDecodeError("no RAM setup section listing the RAM blocks", {});
  if (cpus.size === 0) throw new QberDecodeError("no cpu section", {});
  const ordered = [...cpus].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
  return { machineType, blocks, hostBridgeConfig, cpus: ordered };
}
