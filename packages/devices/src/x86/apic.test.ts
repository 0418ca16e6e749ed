/**
 * apic, cpu_common and kvm-tpr-opt: application-processor defaults against
 * QEMU 7.2's own bytes (a `-smp 2 -S` capture of CPU 1), the apic_sipi
 * subsection, and bounds.
 */
import { decodeLegacy, encodeLegacy, neededMismatches, validateState } from "@qber/vmstate";
import { describe, expect, it } from "vitest";
import { apicDefaults, apicDescription } from "./apic.js";
import { cpuCommonDefaults, cpuCommonDescription } from "./cpu-common.js";
import { kvmTprOptDefaults, kvmTprOptDescription } from "./kvm-tpr-opt.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

/** CPU 1's apic body in `qemu-system-x86_64 -M pc -smp 2 -S` (QEMU 7.2.22, TCG), migrated before running. */
const AP_APIC = hex(`
  fee00800 01 00 00 000000ff 00 0f
  ${"00".repeat(96)}
  00010000 00010000 00010000 00010000 00010000 00010000
  00000000 0000000000000000 00000000 00000000 00000000
  0000000000000000 0000000000000000 ffffffffffffffff
  05 09 617069635f73697069 00000001 00000000 00000001`);
/** CPU 1's cpu_common body in the same capture: halted, CPU_INTERRUPT_POLL pending. */
const AP_CPU_COMMON = hex("00000001 00000010");

describe("apic", () => {
  it("AP defaults are QEMU's bytes, apic_sipi subsection included", () => {
    const ap = apicDefaults({ id: 1, bsp: false });
    expect(encodeLegacy(apicDescription, ap)).toEqual(AP_APIC);
    expect(decodeLegacy(apicDescription, AP_APIC, { final: true })).toEqual({ value: ap, length: AP_APIC.length });
    expect(ap.apic_sipi).toEqual({ sipi_vector: 0, wait_for_sipi: 1 });
    expect(encodeLegacy(cpuCommonDescription, cpuCommonDefaults({ bsp: false }))).toEqual(AP_CPU_COMMON);
  });

  it("apic_sipi: QEMU sends it only while waiting for a SIPI", () => {
    const bsp = apicDefaults();
    expect(neededMismatches(apicDescription, bsp)).toEqual([]);
    expect(neededMismatches(apicDescription, { ...bsp, apic_sipi: { sipi_vector: 0x9f, wait_for_sipi: 0 } })).toEqual([
      { path: ["apic", "apic_sipi"], subsection: "apic_sipi", needed: false },
    ]);
  });

  it("bounds: the timer shift and the SIPI vector", () => {
    const messages = (s: ReturnType<typeof apicDefaults>): string[] => validateState(apicDescription, s).map((e) => e.message);
    expect(messages(apicDefaults({ id: 3, bsp: false }))).toEqual([]);
    expect(messages({ ...apicDefaults(), count_shift: 64 })).toEqual(["apic: field count_shift must be <= 7"]);
    expect(messages({ ...apicDefaults(), apic_sipi: { sipi_vector: 256, wait_for_sipi: 1 } })).toEqual(["apic: field apic_sipi.sipi_vector must be <= 255"]);
  });
});

describe("cpu_common", () => {
  it("exception_index subsection round trip and bound", () => {
    const s = { ...cpuCommonDefaults(), exception_index: { exception_index: 14 } };
    const bytes = encodeLegacy(cpuCommonDescription, s);
    expect(bytes).toEqual(hex(`00000000 00000010 05 1a ${Buffer.from("cpu_common/exception_index").toString("hex")} 00000001 0000000e`));
    expect(decodeLegacy(cpuCommonDescription, bytes, { final: true }).value).toEqual(s);
    expect(neededMismatches(cpuCommonDescription, s)).toEqual([]);
    expect(validateState(cpuCommonDescription, { ...s, exception_index: { exception_index: -5 } }).map((e) => e.message)).toEqual([
      "cpu_common: field exception_index.exception_index must be >= -1",
    ]);
  });
});

describe("kvm-tpr-opt", () => {
  it("bounds: mode, vapic area size and the ROM state address", () => {
    const d = kvmTprOptDefaults();
    const messages = (s: typeof d): string[] => validateState(kvmTprOptDescription, s).map((e) => e.message);
    expect(messages({ ...d, state: 2, rom_state_paddr: 0xc0020 })).toEqual([]);
    expect(messages({ ...d, state: 3 })).toEqual(["kvm-tpr-opt: field state must be <= 2"]);
    expect(messages({ ...d, rom_state_paddr: 0x100000 })).toEqual(["kvm-tpr-opt: field rom_state_paddr must be <= 1048575"]);
    expect(messages({ ...d, rom_state: { ...d.rom_state, vapic_size: 0xffffffff } })).toEqual(["kvm-tpr-opt: field rom_state.vapic_size must be <= 32768"]);
  });
});
