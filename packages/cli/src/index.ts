export * from "./bridge/index.js";
export { type InspectReport, type InspectedSection, type InspectedRamBlock, type InspectOptions, inspectFile } from "./inspect/inspect-file.js";
export * from "./diff/index.js";
export * from "./report/index.js";
export * from "./json/index.js";
export * from "./validate/index.js";
export { type ComposeOptions, type ComposeSummary, composeMachine } from "./compose/compose.js";
export { type MachineFile, machineFileSchema, checkMachineFile } from "./compose/machine-file.js";
