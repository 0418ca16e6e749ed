export { SnapshotContext, type SectionKind, type DecodedBy, type DeviceDecoding, type LegacyDeviceDecoding } from "./snapshot-context.js";
export { type DeviceError, deviceError } from "./device-error.js";
export { machineTypeOf, isModelledMachine } from "./machine-type.js";
