export { type ImportOptions, type ImportSummary, type DecodedBy, importQemuStream } from "./import.js";
export { type ExportOptions, type ExportSummary, exportQemuStream } from "./export.js";
