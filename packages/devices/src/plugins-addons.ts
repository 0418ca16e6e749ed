/**
 * The add-on device plugins (devices one adds with `-device` to a pc or
 * q35 machine) and their descriptions, keyed by plugin id.
 */
import type { SectionPlugin } from "@qber/core";
import type { TObject } from "typebox";
import { e1000Description, e1000Plugin } from "./addons/e1000.js";
import { e1000eDescription, e1000ePlugin } from "./addons/e1000e.js";
import { ehciDescription, ehciPlugin } from "./addons/ehci.js";
import { parallelIsaDescription, parallelIsaPlugin } from "./addons/parallel-isa.js";
import { serialDescription, serialPlugin } from "./addons/serial.js";
import { slirpDescription, slirpPlugin } from "./addons/slirp.js";
import { uhciDescription, uhciPlugin } from "./addons/uhci.js";
import { vgaDescription, vgaPlugin } from "./addons/vga.js";
import { virtioNetDefaultPlugin, virtioNetDescription } from "./addons/virtio-net.js";

export const addonPlugins: readonly SectionPlugin[] = Object.freeze([
  serialPlugin,
  parallelIsaPlugin,
  vgaPlugin,
  e1000Plugin,
  virtioNetDefaultPlugin,
  ehciPlugin,
  uhciPlugin,
  e1000ePlugin,
  slirpPlugin,
] as SectionPlugin[]);

/**
 * Plugin id -> description. For `@qber/devices:virtio-net` the description
 * is the typed one (field `virtio` decoded); its vmdesc entry comes from
 * `describeVirtioNet` (QEMU lists the field as one opaque element).
 */
export const addonDescriptions: Readonly<Record<string, TObject>> = Object.freeze({
  [serialPlugin.id]: serialDescription,
  [parallelIsaPlugin.id]: parallelIsaDescription,
  [vgaPlugin.id]: vgaDescription,
  [e1000Plugin.id]: e1000Description,
  [virtioNetDefaultPlugin.id]: virtioNetDescription,
  [ehciPlugin.id]: ehciDescription,
  [uhciPlugin.id]: uhciDescription,
  [e1000ePlugin.id]: e1000eDescription,
  [slirpPlugin.id]: slirpDescription,
});

export { describeVirtioNet, virtioNetPlugin } from "./addons/virtio-net.js";
