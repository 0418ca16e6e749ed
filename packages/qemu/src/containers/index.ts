export { type Container, describeContainers, isContainerError } from "./container.js";
export { type Compression, COMPRESSIONS, MissingProgramError, sniffCompression, decompress } from "./compression.js";
export { type DomainSummary, summarizeDomain, parseXml, MAX_DOMAIN_XML } from "./domain-xml.js";
export {
  type LibvirtFormat,
  type LibvirtSave,
  type LibvirtSaveHeader,
  LIBVIRT_FORMATS,
  LIBVIRT_HEADER_SIZE,
  buildLibvirtSave,
  compressionOf,
  parseLibvirtHeader,
  parseLibvirtSave,
  rebuildLibvirtSave,
} from "./libvirt-save.js";
export { type Qcow2Image, type Qcow2Snapshot, isQcow2Magic, chooseSnapshot, readQcow2, readVmState, snapshotRow } from "./qcow2.js";
export { type MappedRamBlock, type MappedRamLayout, readMappedRam, mappedRamStream } from "./mapped-ram.js";
export { type RandomAccess, readAt } from "./random-access.js";
