export { type InspectReport, type InspectedRamBlock, type InspectOptions, inspectFile } from "./inspect-file.js";
export { type InspectedSection, type DecodedByName } from "./inspected-section.js";
