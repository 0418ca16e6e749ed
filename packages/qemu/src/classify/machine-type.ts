/**
 * The machine type a snapshot names in its configuration section, and
 * whether the device models describe it: for those machine types a device
 * section that its model cannot read is a problem; for others (older machine
 * types, other layouts) the snapshot's own vmdesc is the authority.
 */
import type { VmStateEntry } from "@qber/core";
import { pcMachine, q35Machine } from "@qber/devices";

const latin1 = new TextDecoder("latin1");

const MODELLED_MACHINES: ReadonlySet<string> = new Set([pcMachine.machineType, q35Machine.machineType]);

/** The machine type in the configuration section's entries (len, name, subsections), if they hold one. */
export function machineTypeOf(configuration: readonly VmStateEntry[] | undefined): string | undefined {
  const name = configuration?.[1];
  return name?.kind === "oldblob" ? latin1.decode(name.value) : undefined;
}

/** Whether the device models describe this machine type's layouts. */
export function isModelledMachine(machineType: string | undefined): boolean {
  return machineType !== undefined && MODELLED_MACHINES.has(machineType);
}
