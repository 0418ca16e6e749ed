export { type ImportOptions, type ImportSummary, type DecodedBy, importQemuStream } from "./import.js";
export { ReservedName, RESERVED_SECTION_ID, type StreamInfo } from "./reserved-sections.js";
export { type ExportOptions, type ExportSummary, exportQemuStream } from "./export.js";
