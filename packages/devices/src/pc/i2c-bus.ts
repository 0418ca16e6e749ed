/**
 * An I2C/SMBus bus: QEMU's `i2c_bus` vmsd, version 1 (hw/i2c/core.c). The
 * `pc` machine's bus hangs off the PIIX4 PM function, the `q35` machine's
 * off the ICH9 SMBus controller.
 *
 * The address of the device a transfer is in progress with (0xff: none).
 */
import { definePlugin, u8, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";

export const i2cBusDescription = vmsd({ name: "i2c_bus", version: 1, description: "I2C bus: address of the current transfer" }, { saved_address: u8() });

export type I2cBusState = Static<typeof i2cBusDescription>;

export const i2cBusPlugin = definePlugin({ id: "@qber/devices:i2c_bus", description: i2cBusDescription });

/** No transfer in progress. */
export const i2cBusDefaults = (): I2cBusState => ({ saved_address: 0xff });
