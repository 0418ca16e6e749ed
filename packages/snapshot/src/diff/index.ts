export {
  type ChangedSection,
  type DiffInput,
  type DiffOptions,
  type PageRange,
  type RamBlockDiff,
  type RamBlockRef,
  type SectionRef,
  type SnapshotDiff,
  diffSnapshots,
  diffSummaries,
  pageDiffers,
} from "./diff.js";
export { type FieldDifference, diffJson, keyPath } from "./fields.js";
export { type FieldType, fieldTypeAt } from "./field-types.js";
export {
  DEFAULT_XBZRLE_CACHE_BYTES,
  PAGE_FULL,
  PAGE_KIND_NAMES,
  PAGE_NEVER,
  PAGE_SIZE,
  PAGE_XBZRLE,
  PAGE_ZERO,
  type PageKindName,
  type RamBlockSummary,
  type SectionState,
  type SnapshotSummary,
  type SummarizeOptions,
  ZERO_PAGE_DIGEST,
  pageDigest,
  summarizeSnapshot,
} from "./summary.js";
export { type DiffTextOptions, SHORT_BYTES, renderDiffText } from "./text.js";
