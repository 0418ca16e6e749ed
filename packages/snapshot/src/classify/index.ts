export {
  type Description,
  type DeviceLookup,
  type DeviceDecoding,
  type DeviceProblem,
  decodeDevice,
  deviceFields,
  deviceProblems,
  vmdescIndex,
} from "./device-decoding.js";
