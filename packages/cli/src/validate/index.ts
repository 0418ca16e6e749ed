export { type Problem, type ValidationReport, type ValidateOptions, validateFile, problemOfError, reasonOf } from "./validate-file.js";
export { type DeviceLookup, type DeviceDecoding, type DeviceProblem, type Description, decodeDevice, deviceFields, deviceProblems, vmdescIndex } from "./device.js";
