import { decodeLegacy, describeDevice, encodeLegacy, validateState } from "@qber/vmstate";
import { describe, expect, it } from "vitest";
import { IDE_IO_BUFFER_LEN, ideDriveDefaults, ideDriveDescription, type IdeDriveState } from "./ide-drive.js";

/** A drive in the middle of a PIO read: DRQ set, so the PIO subsection (with the whole I/O buffer) is sent. */
function pioDrive(): IdeDriveState {
  const io_buffer = new Uint8Array(IDE_IO_BUFFER_LEN);
  io_buffer[0] = 0xaa;
  io_buffer[IDE_IO_BUFFER_LEN - 1] = 0x55;
  return {
    ...ideDriveDefaults(),
    status: 0x58,
    pio_state: {
      req_nb_sectors: 1,
      io_buffer,
      cur_io_buffer_offset: 2,
      cur_io_buffer_len: 510,
      end_transfer_fn_idx: 0,
      elementary_transfer_size: 0,
      packet_transfer_size: 0,
    },
  };
}

describe("ide_drive", () => {
  it("the identify block is sent only once identify_set", () => {
    const plain = encodeLegacy(ideDriveDescription, ideDriveDefaults());
    expect(plain.length).toBe(28);
    const identified = { ...ideDriveDefaults(), identify_set: 1, identify_data: new Uint8Array(512).fill(7) };
    const bytes = encodeLegacy(ideDriveDescription, identified);
    expect(bytes.length).toBe(28 + 512);
    expect(decodeLegacy(ideDriveDescription, bytes, { final: true }).value).toEqual(identified);
  });

  it("pio_state carries the fixed-size I/O buffer and round-trips", () => {
    const state = pioDrive();
    const { bytes, vmdesc } = describeDevice(ideDriveDescription, state, { name: "d", instanceId: 0 });
    const sub = vmdesc.subsections?.[0];
    expect(sub?.vmsd_name).toBe("ide_drive/pio_state");
    expect(sub?.fields.find((f) => f.name === "io_buffer")).toMatchObject({ array_len: IDE_IO_BUFFER_LEN, type: "uint8", size: 1 });
    expect(decodeLegacy(ideDriveDescription, bytes, { final: true }).value).toEqual(state);
    expect(validateState(ideDriveDescription, state)).toEqual([]);
  });

  it("rejects a cursor outside the I/O buffer and an end-transfer index outside QEMU's table", () => {
    const state = pioDrive();
    const bad = { ...state, pio_state: { ...state.pio_state!, cur_io_buffer_offset: IDE_IO_BUFFER_LEN + 1, end_transfer_fn_idx: 6 } };
    expect(validateState(ideDriveDescription, bad).map((e) => e.message)).toEqual([
      `ide_drive: field pio_state.cur_io_buffer_offset must be <= ${IDE_IO_BUFFER_LEN}`,
      "ide_drive: field pio_state.end_transfer_fn_idx must be <= 5",
    ]);
  });
});
