export { type ComposeOptions, type ComposeSummary, composeMachine } from "./compose.js";
export { type MachineFile, type MachineFileProblem, machineFileSchema, checkMachineFile } from "./machine-file.js";
