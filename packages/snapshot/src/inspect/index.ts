export { type InspectReport, type InspectedSection, type InspectedRamBlock, type InspectOptions, type SectionKind, type DecodedByName, inspectFile } from "./inspect-file.js";
