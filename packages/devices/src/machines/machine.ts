/**
 * What a default QEMU 7.2 x86 machine (`-M pc` / `-M q35`, `-m SIZE
 * -nodefaults`, TCG, one vCPU) puts in a migration stream, independent of
 * guest activity: the configuration section, the RAM blocks (names and
 * lengths, in QEMU's order), the device sections (section id, idstr,
 * instance id, version, in stream order), and the vmdesc page size. Taken
 * from the captures fixtures/qemu-7.2/{pc,q35}-paused.mig and
 * pc-never-run.mig (identical layouts whether or not the firmware ran).
 *
 * Each section carries its device's power-on state (`powerOn`), from the
 * `...Defaults()` functions beside the device models.
 */
import { QberEncodeError } from "@qber/core";
import type { DevicePlugin } from "@qber/vmstate";
import type { Static, TObject } from "typebox";

/** A RAM block as the stream's MEM_SIZE record lists it. */
export interface RamBlockSpec {
  readonly name: string;
  /** Used length in bytes for a given guest memory size. */
  readonly length: (memoryBytes: number) => number;
  /**
   * Who fills it: `guest` = guest RAM; `firmware` = QEMU loads the BIOS
   * image at reset; `option-rom` = QEMU's option ROM area (linuxboot/vga
   * BIOS etc. copied by fw_cfg/the BIOS); `acpi` = tables QEMU builds and
   * exposes through fw_cfg (`/rom@etc/...`).
   */
  readonly filledBy: "guest" | "firmware" | "option-rom" | "acpi";
  readonly description: string;
}

/** One device section of the stream (FULL records, in order). */
export interface SectionSpec {
  readonly sectionId: number;
  readonly idstr: string;
  readonly instanceId: number;
  readonly version: number;
  /** The plugin that models it (its description types and validates the state). */
  readonly plugin: DevicePlugin;
  /** The device's state right after QEMU creates and resets the machine. */
  readonly powerOn: (context: PowerOnContext) => unknown;
}

/** What a power-on state may depend on. */
export interface PowerOnContext {
  /** The RTC's wall-clock time at power-on. */
  readonly now: Date;
}

/** The iterative RAM section (START, PART..., END). */
export interface RamSectionSpec {
  readonly sectionId: number;
  readonly idstr: "ram";
  readonly instanceId: 0;
  readonly version: 4;
}

export interface MachineSpec {
  /** `-M` alias and the machine type name in the configuration section. */
  readonly alias: "pc" | "q35";
  readonly machineType: "pc-i440fx-7.2" | "pc-q35-7.2";
  /** Configuration-section subsections (none in 7.2 for these machines). */
  readonly configurationSubsections: readonly string[];
  /** The QEMU command line the layout is for (besides `-m`). */
  readonly commandLine: readonly string[];
  readonly ramSection: RamSectionSpec;
  readonly ramBlocks: readonly RamBlockSpec[];
  readonly sections: readonly SectionSpec[];
  /** vmdesc `page_size` (TARGET_PAGE_SIZE). */
  readonly pageSize: 4096;
  /** Section ids QEMU registered but did not send (handlers with nothing to save). */
  readonly unsentSectionIds: readonly number[];
}

const KiB = 1024;

/** The RAM blocks of both machines (same names, lengths and order in 7.2 for -m up to 2 GiB). */
export const x86RamBlocks: readonly RamBlockSpec[] = [
  { name: "pc.ram", length: (m) => m, filledBy: "guest", description: "all guest RAM (QEMU maps it below and above 4 GiB through aliases)" },
  { name: "/rom@etc/acpi/tables", length: () => 128 * KiB, filledBy: "acpi", description: "ACPI tables built by QEMU, read by the firmware through fw_cfg" },
  {
    name: "pc.bios",
    length: () => 256 * KiB,
    filledBy: "firmware",
    description: "the firmware image (SeaBIOS bios-256k.bin by default, or -bios FILE), mapped below 4 GiB and its last 128 KiB at 0xe0000",
  },
  {
    name: "pc.rom",
    length: () => 128 * KiB,
    filledBy: "option-rom",
    description: "option ROM area 0xc0000-0xdffff (empty at reset; the firmware copies option ROMs into it)",
  },
  { name: "/rom@etc/table-loader", length: () => 4 * KiB, filledBy: "acpi", description: "fw_cfg file with the ACPI linker/loader script" },
  { name: "/rom@etc/acpi/rsdp", length: () => 4 * KiB, filledBy: "acpi", description: "fw_cfg file with the ACPI RSDP" },
];

/** The RAM blocks with their lengths for `memoryBytes` of guest RAM. */
export function ramBlocksFor(machine: MachineSpec, memoryBytes: number): { readonly name: string; readonly length: number }[] {
  if (!Number.isSafeInteger(memoryBytes) || memoryBytes <= 0 || memoryBytes % 4096 !== 0)
    throw new QberEncodeError(`memory size ${memoryBytes}`, { expected: "a positive multiple of 4 KiB" });
  return machine.ramBlocks.map((b) => ({ name: b.name, length: b.length(memoryBytes) }));
}

/** Shorthand used by pc.ts and q35.ts: a section, its plugin and its power-on state (typed by the plugin). */
export function section<S extends TObject>(
  sectionId: number,
  idstr: string,
  version: number,
  plugin: DevicePlugin<S>,
  powerOn: (context: PowerOnContext) => Static<S>,
  instanceId = 0,
): SectionSpec {
  return { sectionId, idstr, instanceId, version, plugin, powerOn };
}

/**
 * What QEMU 7.2 needs in an incoming stream to `cont` (findings of
 * tools/capture/rom-free-check.mjs and of reading migration/ram.c and
 * migration/savevm.c):
 * - the configuration section's machine type must equal the destination's
 *   (`-M` of the same name);
 * - every RAM block of the destination must be listed with exactly its
 *   used length (a resizable block such as the ACPI tables may be shorter
 *   up to its maximum); a block the destination lacks fails the load;
 * - every device section must name a handler the destination has, with a
 *   version it accepts; sections may be missing (the device keeps its
 *   reset state), which QEMU does not check;
 * - RAM contents are whatever the stream says: QEMU does not reload the
 *   firmware after an incoming migration. Zeroing pc.bios, pc.rom and the
 *   three /rom@etc blocks in pc-xbzrle-live.mig / q35-xbzrle-live.mig (a
 *   guest running from pc.ram) still loads, `cont` runs, and the guest
 *   keeps going. The same with pc-never-run.mig (vCPU at the reset vector
 *   F000:FFF0, inside pc.bios) also loads and runs, but executes zeros:
 *   a machine in reset state needs the real firmware image in pc.bios
 *   (take it from a capture or from the installed bios-256k.bin, whose
 *   last 128 KiB QEMU also shows at 0xe0000-0xfffff).
 * - compose therefore may leave pc.rom, /rom@etc/acpi/tables,
 *   /rom@etc/table-loader and /rom@etc/acpi/rsdp zero for a guest that
 *   does not use firmware services or ACPI, and needs pc.bios only when
 *   the vCPU will execute firmware code (reset vector, BIOS interrupts).
 */
export const CONT_REQUIREMENTS = "see the doc comment of CONT_REQUIREMENTS in machines/machine.ts";
