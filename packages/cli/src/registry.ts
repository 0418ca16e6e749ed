/** The plugins the qber command knows: every device model of @qber/devices, and RAM's block list. */
export { defaultRegistry } from "@qber/devices";
