export { type InspectReport, type InspectedRamBlock, type InspectOptions, inspectFile } from "./inspect-file.js";
export type { InspectedSection, DecodedByName } from "./inspected-section.js";
