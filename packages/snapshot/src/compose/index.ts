export { type ComposeOptions, type ComposeSummary, composeMachine } from "./compose.js";
export { type MachineFile, type MachineFileProblem, machineFileSchema, checkMachineFile, parseSize } from "./machine-file.js";
