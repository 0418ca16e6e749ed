/** The plugins the qber command knows: every device model of @qber/devices, and RAM's block list. */
import { createRegistry } from "@qber/core";
import { devicesRegistry } from "@qber/devices";
import { ramPlugin } from "@qber/ram";

export const defaultRegistry = createRegistry(devicesRegistry, ramPlugin);
