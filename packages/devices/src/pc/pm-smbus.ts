/**
 * The PM SMBus host controller shared by PIIX4 and ICH9: QEMU's `pmsmb`
 * vmsd, version 1 (hw/i2c/pm_smbus.c).
 *
 * Registers (status, control, command, address, two data bytes), the block
 * buffer with its cursor, and the transaction flags. The block cursor
 * `smb_index` indexes the 32-byte block buffer, so it is bounded by the
 * buffer size (PM_SMBUS_MAX_BLOCK_LEN).
 */
import { bool, u32, u8, u8Array, vmsd } from "@qber/vmstate";
import type { Static } from "typebox";
import { zeros } from "./bytes.js";

/** Size of the SMBus block buffer (PM_SMBUS_MAX_BLOCK_LEN). */
export const PM_SMBUS_MAX_BLOCK_LEN = 32;

export const pmSmbusDescription = vmsd(
  { name: "pmsmb", version: 1, description: "PM SMBus host controller" },
  {
    smb_stat: u8(),
    smb_ctl: u8(),
    smb_cmd: u8(),
    smb_addr: u8(),
    smb_data0: u8(),
    smb_data1: u8(),
    /** Cursor into the block buffer (may sit one past its end after the last byte). */
    smb_index: u32({ maximum: PM_SMBUS_MAX_BLOCK_LEN }),
    smb_data: u8Array(PM_SMBUS_MAX_BLOCK_LEN),
    smb_auxctl: u8(),
    smb_blkdata: u8(),
    i2c_enable: bool(),
    op_done: bool(),
    in_i2c_block_read: bool(),
    start_transaction_on_status_read: bool(),
  },
);

export type PmSmbusState = Static<typeof pmSmbusDescription>;

/**
 * A controller after reset: idle, operation marked done. `auxctl` is the
 * auxiliary control register: PIIX4 comes up with 32-byte block mode
 * enabled (2), ICH9 with 0.
 */
export const pmSmbusDefaults = (auxctl = 0): PmSmbusState => ({
  smb_stat: 0,
  smb_ctl: 0,
  smb_cmd: 0,
  smb_addr: 0,
  smb_data0: 0,
  smb_data1: 0,
  smb_index: 0,
  smb_data: zeros(PM_SMBUS_MAX_BLOCK_LEN),
  smb_auxctl: auxctl,
  smb_blkdata: 0,
  i2c_enable: false,
  op_done: true,
  in_i2c_block_read: false,
  start_transaction_on_status_read: false,
});
