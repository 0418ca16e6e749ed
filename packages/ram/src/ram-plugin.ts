/**
 * The section plugin of QEMU's `ram` section (version 4) in qber's BER form:
 * its SecFull is the setup section, whose contents are the RAM block list
 * (`ramblid`). The typed value is that list with plain names.
 */
import { QberDecodeError, QberEncodeError, type SecFullContents, type SectionPlugin } from "@qber/core";

export interface RamBlockEntry {
  /** The RAMBlock idstr, e.g. `pc.ram`. */
  readonly name: string;
  /** used_length in bytes. */
  readonly length: bigint;
}

/** The `ram` setup section's value: the total and the blocks, in the sender's order. */
export interface RamBlockListValue {
  readonly totalRam: bigint;
  readonly blocks: readonly RamBlockEntry[];
}

export const RAM_SECTION_NAME = "ram";
export const RAM_SECTION_VERSION = 4;

function decodeRamBlockList(contents: SecFullContents, section: { readonly name: string }): RamBlockListValue {
  if (contents.kind !== "ramblid") {
    throw new QberDecodeError(`section ${section.name}: contents are ${contents.kind}, not the RAM block list`, { expected: "ramblid" });
  }
  const v = contents.value;
  return { totalRam: v.totalram, blocks: v.blocks.map((b) => ({ name: b.name, length: b.len })) };
}

function encodeRamBlockList(value: RamBlockListValue, section: { readonly name: string }): SecFullContents {
  if (typeof value.totalRam !== "bigint") throw new QberEncodeError(`section ${section.name}: totalRam must be a bigint`);
  return {
    kind: "ramblid",
    value: {
      totalram: value.totalRam,
      blocks: value.blocks.map((b, i) => {
        if (typeof b.length !== "bigint") throw new QberEncodeError(`section ${section.name}: blocks[${i}].length must be a bigint`);
        return { name: b.name, len: b.length };
      }),
    },
  };
}

/** The RAM section plugin: register it with createRegistry like any other. */
export const ramPlugin: SectionPlugin<RamBlockListValue> = Object.freeze({
  id: "@qber/ram:ram",
  names: Object.freeze([RAM_SECTION_NAME]),
  minVersion: RAM_SECTION_VERSION,
  maxVersion: RAM_SECTION_VERSION,
  ber: Object.freeze({ decode: decodeRamBlockList, encode: encodeRamBlockList }),
});

/** The block list value of a set of blocks: totalRam is their sum. */
export function ramBlockList(blocks: readonly { readonly name: string; readonly length: bigint | number }[]): RamBlockListValue {
  const list = blocks.map((b) => ({ name: b.name, length: BigInt(b.length) }));
  return { totalRam: list.reduce((s, b) => s + b.length, 0n), blocks: list };
}
