export { type ImportOptions, type ImportSummary, importQemuStream } from "./import.js";
export { type ExportOptions, type ExportSummary, exportQemuStream } from "./export.js";
export { configurationEntries } from "./configuration.js";
