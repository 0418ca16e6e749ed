export { type ImportOptions, type ImportSummary, type DecodedBy, type ExportOptions, type ExportSummary, importQemuStream, exportQemuStream } from "./bridge/index.js";
export { type Input, type BerSource, openFile, openStream, berSource, readAsBer } from "./input/index.js";
