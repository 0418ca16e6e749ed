/**
 * The add-on device plugins (devices one adds with `-device` to a pc or
 * q35 machine, and the user network backend). Each plugin carries its
 * description. For virtio-net that is the typed one (field `virtio`
 * decoded); its vmdesc entry comes from `describeVirtioNet` (QEMU lists the
 * field as one opaque element).
 */
import type { DevicePlugin } from "@qber/vmstate";
import { e1000Plugin } from "./addons/e1000.js";
import { e1000ePlugin } from "./addons/e1000e.js";
import { ehciPlugin } from "./addons/ehci.js";
import { parallelIsaPlugin } from "./addons/parallel-isa.js";
import { serialPlugin } from "./addons/serial.js";
import { slirpPlugin } from "./addons/slirp.js";
import { uhciPlugin } from "./addons/uhci.js";
import { vgaPlugin } from "./addons/vga.js";
import { virtioNetDefaultPlugin } from "./addons/virtio-net.js";

export { e1000Description, e1000Plugin, type E1000State } from "./addons/e1000.js";
export { e1000eDescription, e1000ePlugin, type E1000eState } from "./addons/e1000e.js";
export { ehciDescription, ehciPlugin, type EhciState } from "./addons/ehci.js";
export { parallelIsaDescription, parallelIsaPlugin, type ParallelIsaState } from "./addons/parallel-isa.js";
export { serialDefaults, serialDescription, serialPlugin, type SerialState } from "./addons/serial.js";
export { slirpDescription, slirpPlugin, type SlirpState } from "./addons/slirp.js";
export { uhciDescription, uhciPlugin, type UhciState } from "./addons/uhci.js";
export { vgaDescription, vgaPlugin, type VgaState } from "./addons/vga.js";
export {
  describeVirtioNet,
  type VirtioNetConfig,
  virtioNetDefaultPlugin,
  virtioNetDescription,
  virtioNetPlugin,
  virtioNetSectionDescription,
  type VirtioNetState,
} from "./addons/virtio-net.js";

export const addonPlugins: readonly DevicePlugin[] = Object.freeze([
  serialPlugin,
  parallelIsaPlugin,
  vgaPlugin,
  e1000Plugin,
  virtioNetDefaultPlugin,
  ehciPlugin,
  uhciPlugin,
  e1000ePlugin,
  slirpPlugin,
]);
