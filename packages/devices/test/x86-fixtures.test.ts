/**
 * The x86 CPU family's typed plugins on every QEMU 7.2 capture: each
 * cpu_common, cpu, kvm-tpr-opt and apic section decodes through its
 * plugin, describes itself exactly as the stream's vmdesc does, and
 * re-encodes to its bytes; the decoded states pass validation and agree
 * with the descriptions' `needed` tests. The power-on defaults are checked
 * against the capture of a machine that never ran (pc-never-run.mig).
 */
import { createRegistry } from "@qber/core";
import { encodeLegacy, neededMismatches, parseVmdesc, validateState, vmdescBodySize } from "@qber/vmstate";
import type { TObject } from "typebox";
import { describe, expect, it } from "vitest";
import { findVmdescRecord, walkStream } from "@qber/test-support";
import { apicDefaults, cpuCommonDefaults, kvmTprOptDefaults, x86CpuDefaults, x86CpuProblems, x86Plugins, type X86CpuState } from "../src/plugins-x86.js";
import { X86_CPU_SUBSECTIONS } from "../src/x86/x86-cpu-subsections.js";
import { checkCapture } from "@qber/vmstate/testing";
import { describedBy, readFixture } from "./fixture-check.js";

const registry = createRegistry(...x86Plugins);
const ONLY = ["cpu_common", "cpu", "kvm-tpr-opt", "apic"];
const fixtures = ["pc-paused.mig", "q35-paused.mig", "pc-addons.mig", "pc-xbzrle-live.mig", "q35-xbzrle-live.mig", "pc-never-run.mig"];

interface Decoded {
  readonly value: unknown;
  readonly bytes: Uint8Array;
  readonly description: TObject;
}

/** The decoded x86 sections of a capture, by vmsd name (every capture has one vCPU). */
function decodeX86(fixture: string): Map<string, Decoded> {
  const stream = readFixture(fixture);
  const vmdesc = parseVmdesc(findVmdescRecord(stream).json);
  const out = new Map<string, Decoded>();
  walkStream(stream, (s, i) => {
    const name = s.idstr.slice(s.idstr.lastIndexOf("/") + 1);
    const plugin = registry.find(s.idstr, s.version);
    if (!ONLY.includes(name) || plugin?.legacy === undefined) return vmdescBodySize(vmdesc.devices[i]!);
    const info = { name: s.idstr, instanceId: BigInt(s.instance), versionId: BigInt(s.version) };
    const { value, length } = plugin.legacy.decode(stream.subarray(s.bodyOffset), info);
    expect(out.has(name), `${fixture}: one ${name} section`).toBe(false);
    out.set(name, { value, bytes: stream.subarray(s.bodyOffset, s.bodyOffset + length), description: describedBy(plugin) });
    return length;
  });
  return out;
}

describe("x86 CPU family on QEMU 7.2 captures", () => {
  it.each(fixtures)("%s: every cpu_common/cpu/kvm-tpr-opt/apic section decodes, describes itself and re-encodes exactly", (fixture) => {
    const checked = checkCapture(readFixture(fixture), registry, { sections: ONLY }).map((c) => c.section.idstr);
    expect([...checked].sort()).toEqual(["apic", "cpu", "cpu_common", "kvm-tpr-opt"]);
  });

  it.each(fixtures)("%s: decoded states validate and agree with the needed tests", (fixture) => {
    for (const [name, d] of decodeX86(fixture)) {
      expect(validateState(d.description, d.value as never), `${fixture} ${name}`).toEqual([]);
      expect(neededMismatches(d.description, d.value as never), `${fixture} ${name}`).toEqual([]);
    }
    expect(x86CpuProblems(decodeX86(fixture).get("cpu")!.value as X86CpuState)).toEqual([]);
  });

  it("the captures exercise the cpu subsections poll_control_msr (all) and msr_smi_count (firmware ran an SMI)", () => {
    const seen = new Map<string, string[]>();
    for (const f of fixtures) {
      const cpu = decodeX86(f).get("cpu")!.value as Record<string, unknown>;
      seen.set(
        f,
        X86_CPU_SUBSECTIONS.filter((k) => cpu[k] !== undefined),
      );
    }
    expect(Object.fromEntries(seen)).toEqual({
      "pc-paused.mig": ["poll_control_msr", "msr_smi_count"],
      "q35-paused.mig": ["poll_control_msr", "msr_smi_count"],
      "pc-addons.mig": ["poll_control_msr", "msr_smi_count"],
      "pc-xbzrle-live.mig": ["poll_control_msr"],
      "q35-xbzrle-live.mig": ["poll_control_msr"],
      "pc-never-run.mig": ["poll_control_msr"],
    });
  });
});

describe("power-on defaults against pc-never-run.mig (reset state, never ran)", () => {
  const never = decodeX86("pc-never-run.mig");
  const cases: [string, () => unknown][] = [
    ["cpu_common", () => cpuCommonDefaults()],
    ["cpu", () => x86CpuDefaults()],
    ["kvm-tpr-opt", () => kvmTprOptDefaults()],
    ["apic", () => apicDefaults()],
  ];
  it.each(cases)("%s: defaults equal the decoded state and encode to its bytes", (name, defaults) => {
    const d = never.get(name)!;
    expect(defaults()).toEqual(d.value);
    expect(encodeLegacy(d.description, defaults() as never)).toEqual(d.bytes);
    expect(validateState(d.description, defaults() as never)).toEqual([]);
  });
});
