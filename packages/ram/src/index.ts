export { xbzrleEncode, xbzrleDecode } from "./xbzrle.js";
export { isZeroPage, classifyZeroPages } from "./zero-page.js";
export {
  RamFlag,
  XBZRLE_ENCODING,
  newRamParseState,
  newRamWriteState,
  type RamBlock,
  type RamFormatOptions,
  type RamPageRecord,
  type RamParseState,
  type RamRecord,
  type RamWriteState,
} from "./ram-record.js";
export { parseRamRecords, type RamParseOptions, type RamParseProgress, type RamRecordVisitor } from "./ram-record-parser.js";
export { type RecordOutput, writeRamRecords } from "./ram-record-writer.js";
export {
  RAM_PAGE_SIZE,
  type RamSource,
  type PageGenerator,
  type FileRamSourceOptions,
  bufferRamSource,
  generatedRamSource,
  fileRamSource,
  fileRamSourceAsync,
} from "./ram-source.js";
export { type RamIteratorOptions, type RamPassStats, type DirtyPages, type RamPassInput, type RamPass, RamIterator, composeRam } from "./ram-iterator.js";
export { DEFAULT_XBZRLE_CACHE_SIZE, XbzrleCache } from "./xbzrle-cache.js";
export {
  type RamBlockInfo,
  type RamBlockSink,
  type RamSinkFactory,
  type MemoryRamSink,
  type StreamPosition,
  type RamApplyStats,
  type ReconstructedBlock,
  type ReconstructResult,
  type ReconstructOptions,
  type RamStreamSource,
  memoryRamSink,
  memorySinks,
  discardRamSink,
  discardSinks,
  type RamApplyOptions,
  fileRamSink,
  fileSinks,
  blockFileName,
  RamReconstructor,
  reconstructRam,
} from "./reconstruct.js";
export { type RamBlockEntry, type RamBlockListValue, RAM_SECTION_NAME, RAM_SECTION_VERSION, ramPlugin, ramBlockList } from "./ram-plugin.js";
