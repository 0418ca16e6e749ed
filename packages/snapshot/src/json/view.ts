/**
 * A device section's `view`: its fields by name, as `decode` writes them
 * for reading. `encode` writes `contents` and never reads the view, so a
 * view that no longer matches the contents (edited, or left stale after an
 * edit of `contents`) would be a change silently dropped: encode refuses it.
 */
import type { DeviceDecoding } from "@qber/qemu/classify";
import { diffJson } from "../diff/fields.js";
import { deviceFields } from "../json-values.js";
import { type JsonFieldsView, shown } from "./model.js";

/** The view of a decoded device section. */
export function viewOf(d: DeviceDecoding): JsonFieldsView {
  if (d.by === "plugin") return { by: "plugin", plugin: d.plugin.id, fields: deviceFields(d) };
  if (d.by === "vmdesc") return { by: "vmdesc", fields: deviceFields(d) };
  return {
    by: "none",
    ...(d.plugin ? { plugin: d.plugin.id } : {}),
    ...(d.error ? { error: `${d.error.field ? `${d.error.field}: ` : ""}${d.error.reason}` } : {}),
  };
}

/**
 * Why a view read from the JSON form does not match the section's contents
 * (its first differing field), or undefined when it matches. A view made by
 * other plugins than those at hand (another `by` or plugin id) cannot be
 * compared, and neither can one without fields: those pass.
 */
export function staleView(view: unknown, d: DeviceDecoding): string | undefined {
  if (typeof view !== "object" || view === null || !("fields" in view)) return undefined;
  const given = view as JsonFieldsView;
  const current = viewOf(d);
  if (current.fields === undefined || given.by !== current.by || given.plugin !== current.plugin) return undefined;
  const [first] = diffJson(given.fields, current.fields, "", [], 1);
  if (first === undefined) return undefined;
  const at = first.path === "" || first.path.startsWith("[") ? `view.fields${first.path}` : `view.fields.${first.path}`;
  return `${at} is ${"a" in first ? shown(first.a) : "absent"} where contents give ${"b" in first ? shown(first.b) : "nothing"}`;
}
