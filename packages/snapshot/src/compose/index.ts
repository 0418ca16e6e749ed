export { type ComposeOptions, type ComposeSummary, composeMachine, composeMachineJson } from "./compose.js";
export type { Address, ByteChunks, JsonOverride, LoadSpec, MachineDescription, RamContent } from "./machine-description.js";
export { type DeviceOverride, type StatePatch, deviceOverride } from "./device-override.js";
export { type MachineFile, type MachineFileProblem, machineFileSchema, checkMachineFile, parseSize } from "./machine-file.js";
