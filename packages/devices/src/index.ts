export { defaultRegistry, devicePlugins, devicesRegistry } from "./registry.js";
export * from "./plugins-x86.js";
export * from "./plugins-pc.js";
export * from "./plugins-addons.js";
export * from "./shared-descriptions.js";
export * from "./machines/index.js";
