/** Default machine layouts of QEMU 7.2 (pc and q35) for composing loadable streams. */
export * from "./machine.js";
export { pcMachine } from "./pc.js";
export { q35Machine } from "./q35.js";
