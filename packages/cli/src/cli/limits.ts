/**
 * The decode limits as command-line options (docs/reliability.md): the BER
 * reader's bounds, and the QEMU-stream importer's, for input from a host
 * that cannot be trusted. Defaults accept every real capture.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import type { DecodeLimits } from "@qber/core";

export interface LimitFlags {
  readonly maxDepth?: number;
  readonly maxElementLength?: number;
  readonly maxElementCount?: number;
  readonly maxSectionLength?: number;
  readonly maxDeviceState?: number;
  readonly maxVmdescLength?: number;
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive whole number, got ${v}`);
  return n;
}

/** Adds the limit options a command's inputs need: BER, QEMU stream, or both. */
export function limitOptions(command: Command, inputs: { ber?: boolean; qemu?: boolean }): Command {
  const opts: [string, string][] = [];
  if (inputs.ber) {
    opts.push(
      ["--max-depth <n>", "BER: deepest nesting of constructed values (default 64)"],
      ["--max-element-length <bytes>", "BER: largest primitive value (default 64 MiB)"],
      ["--max-element-count <n>", "BER: most elements in one list (default 16 Mi)"],
      ["--max-section-length <bytes>", "BER: largest section held in memory (default 256 MiB)"],
    );
  }
  if (inputs.qemu) {
    opts.push(
      ["--max-device-state <bytes>", "QEMU stream: largest device state held while waiting for the vmdesc (default 256 MiB)"],
      ["--max-vmdesc-length <bytes>", "QEMU stream: largest vmdesc JSON (default 64 MiB)"],
    );
  }
  for (const [flags, description] of opts) command.addOption(new Option(flags, description).argParser(count));
  return command;
}

/** The BER reader's limits among the flags. */
export function decodeLimitsOf(flags: LimitFlags): Partial<DecodeLimits> | undefined {
  const limits: { -readonly [K in keyof DecodeLimits]?: number } = {};
  if (flags.maxDepth !== undefined) limits.maxDepth = flags.maxDepth;
  if (flags.maxElementLength !== undefined) limits.maxElementLength = flags.maxElementLength;
  if (flags.maxElementCount !== undefined) limits.maxElementCount = flags.maxElementCount;
  if (flags.maxSectionLength !== undefined) limits.maxSectionLength = flags.maxSectionLength;
  return Object.keys(limits).length > 0 ? limits : undefined;
}

/** The importer's limits among the flags. */
export function importLimitsOf(flags: LimitFlags): { maxDeviceState?: number; maxVmdescLength?: number } {
  return {
    ...(flags.maxDeviceState !== undefined ? { maxDeviceState: flags.maxDeviceState } : {}),
    ...(flags.maxVmdescLength !== undefined ? { maxVmdescLength: flags.maxVmdescLength } : {}),
  };
}
