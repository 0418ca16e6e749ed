/** The plugins the qber command knows: every device model of @qber/devices. */
import { createRegistry } from "@qber/core";
import { devicesRegistry } from "@qber/devices";

export const defaultRegistry = createRegistry(devicesRegistry);
