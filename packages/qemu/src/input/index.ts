export { type Input, type OpenOptions, openFile, openStream, readQcow2Snapshots } from "./open-input.js";
export { peekStream } from "./peek-stream.js";
export { type BerSource, berSource, readAsBer, inContainer } from "./ber-source.js";
