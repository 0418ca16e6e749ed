export * from "./types.js";
export * from "./errors.js";
export * from "./limits.js";
export { encodeValue, decodeValue } from "./value-codec.js";
export * from "./registry.js";
