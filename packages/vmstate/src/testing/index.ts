/**
 * `@qber/vmstate/testing`: checks of device plugins against real QEMU
 * captures, for plugin packages' tests (qber's own device models use the
 * same). Framework-free: failures throw PluginCheckError.
 */
export { type CaptureSection, captureSections } from "./capture-sections.js";
export { type CheckCaptureOptions, type CheckedSection, PluginCheckError, checkCapture, checkSection } from "./check-capture.js";
