/**
 * Every device model of this package as one list and one registry, and the
 * default registry of a qber application: the devices and RAM's block list.
 */
import { type Registry, createRegistry } from "@qber/core";
import { ramPlugin } from "@qber/ram";
import type { DevicePlugin } from "@qber/vmstate";
import { addonPlugins } from "./plugins-addons.js";
import { pcPlugins } from "./plugins-pc.js";
import { x86Plugins } from "./plugins-x86.js";

/** Every device plugin here; each carries its description (`descriptionOf` of @qber/vmstate). */
export const devicePlugins: readonly DevicePlugin[] = Object.freeze([...x86Plugins, ...pcPlugins, ...addonPlugins]);

/** The registry of every device model here; combine it with your own plugins through createRegistry. */
export const devicesRegistry: Registry = createRegistry(...devicePlugins);

/** The device models and the RAM section's block list: what `qber` decodes with. */
export const defaultRegistry: Registry = createRegistry(devicesRegistry, ramPlugin);
