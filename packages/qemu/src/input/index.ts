export { type Input, openFile, openStream } from "./open-input.js";
export { peekStream } from "./peek-stream.js";
export { type BerSource, berSource, readAsBer } from "./ber-source.js";
