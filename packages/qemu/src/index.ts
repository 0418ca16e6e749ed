export { type ImportOptions, type ImportSummary, type ExportOptions, type ExportSummary, importQemuStream, exportQemuStream } from "./bridge/index.js";
export { type Input, type BerSource, openFile, openStream, berSource, readAsBer } from "./input/index.js";
export { SnapshotContext, type SectionKind, type DecodedBy, type DeviceDecoding } from "./classify/index.js";
