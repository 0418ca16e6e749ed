/**
 * Every device model of this package, as one registry and one lookup of
 * descriptions by plugin id.
 */
import { type Registry, type SectionPlugin, createRegistry } from "@qber/core";
import type { TObject } from "typebox";
import { ramPlugin } from "@qber/ram";
import { addonDescriptions, addonPlugins } from "./plugins-addons.js";
import { pcDescriptions, pcPlugins } from "./plugins-pc.js";
import { x86Descriptions, x86Plugins } from "./plugins-x86.js";

export const devicePlugins: readonly SectionPlugin[] = Object.freeze([...x86Plugins, ...pcPlugins, ...addonPlugins]);

/** The registry of every device model here; combine it with your own plugins through createRegistry. */
export const devicesRegistry: Registry = createRegistry(...devicePlugins);

/** A device's vmstate description by plugin id (`@qber/devices:hpet`). */
export const deviceDescriptions: Readonly<Record<string, TObject>> = Object.freeze({ ...x86Descriptions, ...pcDescriptions, ...addonDescriptions });

/** Every device model here and RAM's block list: what the qber library and command use unless given another registry. */
export const defaultRegistry: Registry = createRegistry(devicesRegistry, ramPlugin);
