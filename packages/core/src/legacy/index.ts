export * from "./legacy-format.js";
export { type LegacyRecord, type LegacySectionHeader, type LegacyReaderOptions, LegacyReader } from "./legacy-reader.js";
export { LegacyWriter } from "./legacy-writer.js";
