export { type DumpMemoryOptions, type MemoryDumpFormat, type MemoryDumpSummary, dumpMemory } from "./dump-memory.js";
export { type GuestRange, type MachineMapInput, GuestMapError, guestPhysicalMap, ramSplit } from "./guest-physical-map.js";
export { ArmStateError } from "./arm-notes.js";
