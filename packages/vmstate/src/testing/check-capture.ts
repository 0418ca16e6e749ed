/**
 * The acceptance check of device plugins against a real QEMU capture, for
 * plugin authors and for qber's own device models alike. For each checked
 * section of the capture:
 *
 * - the plugin's legacy codec reads exactly the body, as long as the
 *   capture's vmdesc says it is, from the stream (nothing after it told);
 * - the vmdesc entry made from the plugin's description and the decoded
 *   state is the capture's own, field for field (names, types, sizes, array
 *   lengths, subsections), compared in QEMU's JSON formatting;
 * - re-encoding gives the section's bytes exactly;
 * - the state as a qber section (DER) decodes and encodes again to the same
 *   DER bytes, and the state read back from it gives the same QEMU bytes.
 *
 * Failures throw a PluginCheckError that names the section, the plugin and
 * the first field or byte that differs; nothing here depends on a test
 * framework, so the check runs under vitest, node:test, jest or a script.
 */
import { type Registry, type SecFull, type SectionPlugin, baseName, createRegistry, decodeValue, encodeValue } from "@qber/core";
import type { Static, TObject } from "typebox";
import { describeDevice } from "../device-vmdesc.js";
import { descriptionOf } from "../plugin.js";
import { formatQemuJson } from "../vmdesc.js";
import { type CaptureSection, captureSections } from "./capture-sections.js";
import { firstByteDifference, firstValueDifference } from "./first-difference.js";

/** A check that failed: the section and the plugin it was checked with. */
export class PluginCheckError extends Error {
  override readonly name = "PluginCheckError";
  constructor(
    message: string,
    /** The section's idstr. */
    readonly section: string,
    /** The plugin's id, when a plugin was found for the section. */
    readonly pluginId?: string,
  ) {
    super(message);
  }
}

export interface CheckedSection {
  readonly section: CaptureSection;
  readonly plugin: SectionPlugin;
  /** The state the plugin decoded (for further checks: bounds with validateState, values). */
  readonly value: unknown;
}

export interface CheckCaptureOptions {
  /**
   * The sections to check, by idstr or vmsd name (`e1000` matches
   * `0000:00:03.0/e1000`): each of them that the capture holds must have a
   * plugin, and it must hold at least one. Default: every section that one
   * of the plugins claims, at least one.
   */
  readonly sections?: readonly string[];
}

/**
 * Checks plugins against a QEMU capture (the bytes of a migration stream
 * with its vmdesc, as `migrate "exec:cat > FILE"` writes it); returns the
 * sections checked, in stream order. Throws a PluginCheckError at the first
 * failure.
 */
export function checkCapture(
  capture: Uint8Array,
  plugins: SectionPlugin | Registry | readonly (SectionPlugin | Registry)[],
  options: CheckCaptureOptions = {},
): CheckedSection[] {
  const registry = createRegistry(...(Array.isArray(plugins) ? (plugins as readonly (SectionPlugin | Registry)[]) : [plugins as SectionPlugin | Registry]));
  const sections = captureSections(capture);
  const wanted = options.sections;
  const picked =
    wanted === undefined
      ? sections.filter((s) => registry.find(s.idstr, s.version) !== undefined)
      : sections.filter((s) => wanted.some((w) => w === s.idstr || w === baseName(s.idstr)));
  if (picked.length === 0) {
    const has = `it has ${sections.map((s) => `${s.idstr} v${s.version}`).join(", ")}`;
    if (wanted !== undefined) throw new PluginCheckError(`the capture has none of the sections ${wanted.join(", ")} (${has})`, wanted.join(", "));
    throw new PluginCheckError(`no section of the capture is claimed by ${registry.plugins.map((p) => p.id).join(", ") || "no plugin"} (${has})`, "");
  }
  return picked.map((section) => {
    const plugin = registry.find(section.idstr, section.version);
    if (plugin === undefined) throw new PluginCheckError(`${section.idstr} v${section.version}: no plugin claims it`, section.idstr);
    return { section, plugin, value: checkSection(plugin, section) };
  });
}

/** Checks one plugin on one section of a capture (see the module comment); returns the decoded state. */
export function checkSection(plugin: SectionPlugin, section: CaptureSection): unknown {
  const fail = (what: string): never => {
    throw new PluginCheckError(`${section.idstr} v${section.version}, plugin ${plugin.id}: ${what}`, section.idstr, plugin.id);
  };
  const { info, body } = section;
  const legacy = plugin.legacy ?? fail("it has no legacy codec, so it cannot read QEMU's stream");
  const description: TObject = descriptionOf(plugin) ?? fail("it carries no vmsd description (make it with definePlugin)");

  let decoded: { value: unknown; length: number };
  try {
    decoded = legacy.decode(section.rest, info);
  } catch (e) {
    return fail(`cannot decode the section: ${(e as Error).message}`);
  }
  const { value, length } = decoded;

  // The field list first: when the lengths differ too, it says which field.
  let described: ReturnType<typeof describeDevice>;
  try {
    described = describeDevice(description, value as Static<TObject>, { name: section.idstr, instanceId: section.instance, version: section.version });
  } catch (e) {
    return fail(`cannot describe the decoded state as a vmdesc entry: ${(e as Error).message}`);
  }
  if (formatQemuJson(described.vmdesc) !== formatQemuJson(section.vmdesc)) {
    fail(`its field list differs from the capture's vmdesc: ${firstValueDifference(described.vmdesc, section.vmdesc, ["the plugin's", "the capture's"])}`);
  }
  if (length !== body.length) fail(`it read ${length} bytes of a body the capture's vmdesc makes ${body.length} long`);
  const again = legacy.encode(value, info);
  const k = firstByteDifference(again, body);
  if (k >= 0) fail(`re-encoding gives other bytes: from byte ${k} of the body (${again.length} bytes written, ${body.length} in the capture)`);

  const asSection = (contents: SecFull["contents"]): Uint8Array =>
    encodeValue("SecFull", {
      kind: "full",
      name: section.idstr,
      sectionId: BigInt(section.sectionId),
      instanceId: info.instanceId,
      versionId: info.versionId,
      contents,
    });
  const der = asSection(plugin.ber.encode(value, info));
  let back: unknown;
  try {
    back = plugin.ber.decode(decodeValue("SecFull", der).contents, info);
  } catch (e) {
    return fail(`cannot decode its own BER section: ${(e as Error).message}`);
  }
  const k2 = firstByteDifference(asSection(plugin.ber.encode(back, info)), der);
  if (k2 >= 0) fail(`BER decode then encode gives other bytes: from byte ${k2} of the DER section`);
  const k3 = firstByteDifference(legacy.encode(back, info), body);
  if (k3 >= 0) fail(`the state read back from BER encodes to other QEMU bytes: from byte ${k3} of the body`);
  return value;
}
