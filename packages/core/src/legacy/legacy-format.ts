/**
 * Constants of QEMU's own migration stream, file version 3 (as written and
 * read by QEMU 7.2): the header, the record type bytes, and the marker bytes
 * of subsections and footers. All integers on the wire are big-endian.
 */

/** "QEVM" */
export const LEGACY_MAGIC = 0x5145564d;
export const LEGACY_VERSION = 3;
/** The obsolete version 2, which QEMU refuses as well. */
export const LEGACY_VERSION_COMPAT = 2;

export const RecordType = {
  eof: 0x00,
  sectionStart: 0x01,
  sectionPart: 0x02,
  sectionEnd: 0x03,
  sectionFull: 0x04,
  subsection: 0x05,
  vmdescription: 0x06,
  configuration: 0x07,
  command: 0x08,
  footer: 0x7e,
} as const;

/** Names of the postcopy/COLO commands, for the error that rejects them. */
export const commandNames: Readonly<Record<number, string>> = {
  0: "INVALID",
  1: "OPEN_RETURN_PATH",
  2: "PING",
  3: "POSTCOPY_ADVISE",
  4: "POSTCOPY_LISTEN",
  5: "POSTCOPY_RUN",
  6: "POSTCOPY_RAM_DISCARD",
  7: "PACKAGED",
  8: "ENABLE_COLO",
  9: "POSTCOPY_RESUME",
  10: "RECV_BITMAP",
  11: "SWITCHOVER_START",
};

/** The feature a command belongs to, named in the error for a stream qber cannot carry. */
export function commandFeature(cmd: number): string {
  if (cmd >= 3 && cmd <= 7) return "postcopy";
  if (cmd === 9 || cmd === 10) return "postcopy recovery";
  if (cmd === 8) return "COLO";
  if (cmd === 1 || cmd === 2) return "the return path";
  if (cmd === 11) return "switchover-start (QEMU 10.0+ streams)";
  return "an unknown command";
}
