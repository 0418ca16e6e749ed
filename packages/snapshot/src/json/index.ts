export { type DecodeJsonOptions, type DecodeJsonSummary, type SectionSpan, RawSectionsNeeded, decodeToJson } from "./decode.js";
export { type EncodeJsonOptions, type EncodeJsonSummary, type JsonSizes, SizesNeeded, encodeFromJson, measureJson } from "./encode.js";
export { JsonReader, JsonSyntaxError } from "./json-reader.js";
export * from "./model.js";
