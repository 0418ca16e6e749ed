export * from "./types.js";
export * from "./errors.js";
export * from "./limits.js";
export * from "./registry.js";
export { encodeValue, decodeValue } from "./value-codec.js";
export { type ByteSource, type FileSourceOptions, fileSource, fdSource } from "./byte-source.js";
export { type PageKind, PageBatch, KIND_COMPR, KIND_FULL, KIND_XBZRLE, KIND_HOOK } from "./page-batch.js";
export { PAGE_SIZE } from "./schema-decoder.js";
export {
  type StreamedSection,
  type StreamedSecFull,
  type StreamedSecMin,
  type StreamedRamBlock,
  type ReadSectionsOptions,
  readSections,
  readQemuFile,
} from "./section-reader.js";
export { type SectionWriterOptions, SectionWriter } from "./section-writer.js";
export { type ByteSink, type ChunkConsumer, ChunkedOutput, writeToSink, DEFAULT_CHUNK_SIZE, PIPE_CHUNK_SIZE } from "./chunked-output.js";
export { type FileSink, fileSink, discardSink } from "./file-sink.js";
export { ChunkReader } from "./chunk-reader.js";
export * from "./legacy/index.js";
export { rewriteDer } from "./der-rewrite.js";
export {
  type Framing,
  type SecMinSizes,
  type SecMinLengths,
  type RamBlockLengths,
  FramedWriter,
  pageDerSize,
  ramPageDerSize,
  secMinDerSize,
  secMinLengths,
  ramBlockLengths,
} from "./framed-writer.js";
export {
  ReservedName,
  RESERVED_SECTION_ID,
  type ReservedKind,
  type StreamInfo,
  encodeStreamInfo,
  decodeStreamInfo,
  reservedKind,
  isReservedSection,
  reservedSection,
} from "./reserved-sections.js";
export { BER_MAGIC, QEMU_MAGIC, type SnapshotFormat, sniffFormat, startsWith } from "./format-sniff.js";
