export {
  type DecodeJsonOptions,
  type DecodeJsonSummary,
  type DecodeJsonFileOptions,
  type DecodeJsonFileSummary,
  type InexactJson,
  type SectionSpan,
  decodeToJson,
  decodeToJsonFile,
} from "./decode.js";
export type { PassOutput } from "./pass-output.js";
export { type EncodeJsonOptions, type EncodeJsonSummary, type JsonSizes, encodeFromJson, encodeFromJsonFile, measureJson } from "./encode.js";
export { JsonReader, JsonSyntaxError } from "./json-reader.js";
export * from "./model.js";
