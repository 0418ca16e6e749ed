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
export { parseRamRecords, type RamParseOptions, type RamParseProgress } from "./ram-record-parser.js";
export { writeRamRecords } from "./ram-record-writer.js";
