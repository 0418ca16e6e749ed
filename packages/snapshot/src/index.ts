export { type InspectReport, type InspectOptions, inspectFile } from "./inspect/index.js";
export { type ValidationReport, type ValidateOptions, type Problem, validateFile } from "./validate/index.js";
export {
  type SnapshotDiff,
  type DiffOptions,
  type SnapshotSummary,
  type SummarizeOptions,
  diffSnapshots,
  diffSummaries,
  summarizeSnapshot,
  renderDiffText,
} from "./diff/index.js";
export {
  type DecodeJsonOptions,
  type DecodeJsonSummary,
  type DecodeJsonFileOptions,
  type DecodeJsonFileSummary,
  type EncodeJsonOptions,
  type EncodeJsonSummary,
  type PassOutput,
  decodeToJson,
  decodeToJsonFile,
  encodeFromJson,
  encodeFromJsonFile,
} from "./json/index.js";
export {
  type ComposeOptions,
  type ComposeSummary,
  type MachineFile,
  type MachineDescription,
  type DeviceOverride,
  type StatePatch,
  composeMachine,
  composeMachineJson,
  deviceOverride,
} from "./compose/index.js";
export { type ReportFile, type ReportOptions, renderReport } from "./report/index.js";
export { type DumpMemoryOptions, type MemoryDumpFormat, type MemoryDumpSummary, type GuestRange, dumpMemory } from "./dump/index.js";
