/**
 * Which of a machine's device sections a key of `devices` names
 * (docs/compose.md, "Addressing devices"): `NAME` is a full idstr
 * (`0000:00:01.1/ide`) or a vmsd name (`ide`); `NAME#N` is instance N;
 * `NAME#*` is every instance. A bare NAME must name exactly one section,
 * so that a machine with two PICs never has both changed by `i8259`.
 */
import { baseName } from "@qber/core";
import type { MachineSpec, SectionSpec } from "@qber/devices";
import { fail } from "./compose-error.js";

/** How an error message names a section: with `#N` when its idstr has several instances. */
export function sectionLabel(machine: MachineSpec, spec: SectionSpec): string {
  const several = machine.sections.some((s) => s !== spec && s.idstr === spec.idstr);
  return several ? `${spec.idstr}#${spec.instanceId}` : spec.idstr;
}

export function sectionsAddressed(machine: MachineSpec, key: string): readonly SectionSpec[] {
  const hash = key.lastIndexOf("#");
  const name = hash < 0 ? key : key.slice(0, hash);
  const selector = hash < 0 ? undefined : key.slice(hash + 1);
  const named = machine.sections.filter((s) => s.idstr === name || baseName(s.idstr) === name);
  if (named.length === 0) fail(`no section ${JSON.stringify(name)} in a ${machine.alias} machine (use an idstr or a vmsd name)`);
  const choices = named.map((s) => `${name}#${s.instanceId}`).join(", ");
  if (selector === "*") return named;
  if (selector === undefined) {
    if (named.length > 1)
      fail(`${JSON.stringify(name)} names ${named.length} sections in a ${machine.alias} machine: say which (${choices}) or ${name}#* for all`);
    return named;
  }
  if (!/^[0-9]+$/.test(selector)) fail(`${JSON.stringify(key)}: after # comes an instance number or * (${choices})`);
  const chosen = named.filter((s) => s.instanceId === Number(selector));
  if (chosen.length === 0) fail(`no instance ${selector} of ${JSON.stringify(name)} in a ${machine.alias} machine (${choices})`);
  if (chosen.length > 1) fail(`${JSON.stringify(key)} names several sections: use a full idstr (${chosen.map((s) => s.idstr).join(", ")})`);
  return chosen;
}
