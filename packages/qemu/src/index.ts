export { type ImportOptions, type ImportSummary, type ExportOptions, type ExportSummary, importQemuStream, exportQemuStream } from "./bridge/index.js";
export { type Input, type OpenOptions, type BerSource, openFile, openStream, berSource, readAsBer, readQcow2Snapshots, inContainer } from "./input/index.js";
export { SnapshotContext, type SectionKind, type DecodedBy, type DeviceDecoding } from "./classify/index.js";
export {
  type Container,
  type Compression,
  type LibvirtFormat,
  type LibvirtSave,
  type Qcow2Image,
  type Qcow2Snapshot,
  LIBVIRT_FORMATS,
  MissingProgramError,
  describeContainers,
} from "./containers/index.js";
