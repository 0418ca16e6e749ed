/** The plugins the qber command knows: every device model of @qber/devices. */
import { createRegistry } from "@qber/core";

export const defaultRegistry = createRegistry();
