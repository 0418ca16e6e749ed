/**
 * Validation of a qber file, streaming: the file decodes (strictly: DER
 * primitives only, FullPage data exactly 4096 bytes), every device section
 * decodes through its plugin (or the file's vmdesc) and its state keeps the
 * bounds of its description, every RAM page lies inside a block of the RAM
 * block list, and every XBZRLE page has a base (a page sent before at the same
 * address) and decodes. Every problem is reported, up to a limit; a file that
 * stops decoding ends the report with that error. The `qber validate --json`
 * document is the ValidationReport.
 */
import {
  type ByteSource,
  type DecodeLimits,
  KIND_FULL,
  KIND_HOOK,
  KIND_XBZRLE,
  type Registry,
  type AnyQberError,
  emptyRegistry,
  isQberError,
  readSections,
} from "@qber/core";
import { deviceDescriptions } from "@qber/devices";
import { xbzrleDecode } from "@qber/ram";
import { parseVmdesc } from "@qber/vmstate";
import { RESERVED_SECTION_ID, ReservedName, decodeStreamInfo } from "@qber/core";
import { type DeviceLookup, type Description, decodeDevice, deviceProblems, isOtherMachine, vmdescIndex } from "../classify/device-decoding.js";

/** One problem: where (byte offset, schema path), what (device, field) and why. */
export interface Problem {
  /** Byte offset in the file: of the value at fault, or of the section (devices) or RAM block (pages) holding it. */
  readonly offset: number | null;
  /** Schema path, as `top[22].full.contents`. */
  readonly path: string | null;
  /** Section name (QEMU idstr) of the device, or of the RAM block for pages. */
  readonly device: string | null;
  /** Field inside the device state, as `timer[2].period`. */
  readonly field: string | null;
  readonly reason: string;
}

export interface ValidationReport {
  readonly valid: boolean;
  readonly problems: readonly Problem[];
  /** True when more problems were found than reported (see `maxProblems`). */
  readonly truncated: boolean;
}

export interface ValidateOptions {
  readonly registry?: Registry;
  readonly descriptions?: Readonly<Record<string, Description>>;
  /** DER primitives only, FullPage data exactly 4096 bytes. */
  readonly strict?: boolean;
  /** Most problems reported (default 100). */
  readonly maxProblems?: number;
  readonly limits?: Partial<DecodeLimits>;
  readonly onProgress?: (offset: number) => void;
}

const PAGE = 4096;

export function problemOfError(e: AnyQberError, prefix = ""): Problem {
  return { offset: e.offset ?? null, path: e.path === "" ? null : e.path, device: null, field: null, reason: prefix + e.reason };
}

class Problems {
  readonly list: Problem[] = [];
  truncated = false;
  constructor(private readonly max: number) {}
  get full(): boolean {
    return this.list.length >= this.max;
  }
  add(p: Problem): void {
    if (this.full) this.truncated = true;
    else this.list.push(p);
  }
}

class Stop extends Error {}

interface Block {
  readonly len: bigint;
  /** One flag per 4 KiB page: something was sent there. */
  readonly sent: Uint8Array;
}

async function* closing(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  if (source instanceof Uint8Array) yield source;
  else yield* source as AsyncIterable<Uint8Array>;
}

export async function validateFile(source: ByteSource, options: ValidateOptions = {}): Promise<ValidationReport> {
  const problems = new Problems(options.maxProblems ?? 100);
  const lookup: DeviceLookup = { registry: options.registry ?? emptyRegistry, descriptions: options.descriptions ?? deviceDescriptions };
  const blocks = new Map<string, Block>();
  let sawBlockList = false;
  const scratch = new Uint8Array(PAGE);
  const add = (p: Problem): void => {
    problems.add(p);
    if (problems.truncated) throw new Stop();
  };

  let index = 0;
  // The reader does not always close its source when it throws: close it here.
  const src = closing(source);
  try {
    for await (const s of readSections(src, emptyRegistry, { strict: options.strict ?? false, ...(options.limits ? { limits: options.limits } : {}) })) {
      options.onProgress?.(s.offset);
      const top = `top[${index}]`;
      if (s.kind === "full") {
        const sec = s.section;
        const at = { offset: s.offset, path: `${top}.full.contents` };
        if (index === 0) {
          const configuration = sec.sectionId === RESERVED_SECTION_ID && sec.name === ReservedName.configuration && sec.contents.kind === "vmstate" ? sec.contents.value : undefined;
          lookup.otherMachine = isOtherMachine(configuration);
        }
        if (sec.sectionId === RESERVED_SECTION_ID && sec.name === ReservedName.vmdesc) {
          try {
            if (sec.contents.kind !== "oldblob") throw new Error(`contents are ${sec.contents.kind}, not oldblob`);
            lookup.vmdesc = vmdescIndex(parseVmdesc(sec.contents.value));
          } catch (e) {
            add({ ...at, device: sec.name, field: null, reason: `unreadable vmdesc: ${(e as Error).message}` });
          }
        } else if (sec.sectionId === RESERVED_SECTION_ID && sec.name === ReservedName.stream) {
          try {
            if (sec.contents.kind !== "oldblob") throw new Error(`contents are ${sec.contents.kind}, not oldblob`);
            decodeStreamInfo(sec.contents.value);
          } catch (e) {
            add({ ...at, device: sec.name, field: null, reason: `unreadable stream record: ${(e as Error).message}` });
          }
        } else if (sec.sectionId === RESERVED_SECTION_ID) {
          // configuration and qemu:end: nothing more to check here
        } else if (sec.contents.kind === "ramblid") {
          sawBlockList = true;
          for (const b of sec.contents.value.blocks) {
            const pages = Number((b.len + BigInt(PAGE - 1)) / BigInt(PAGE));
            if (pages > 1 << 28) add({ ...at, device: b.name, field: null, reason: `RAM block of ${b.len} bytes is too large` });
            else blocks.set(b.name, { len: b.len, sent: new Uint8Array(pages) });
          }
        } else {
          for (const p of deviceProblems(sec, decodeDevice(sec, lookup))) add({ ...at, device: sec.name, field: p.field === "" ? null : p.field, reason: p.reason });
        }
      } else {
        let b = 0;
        for await (const rb of s.blocks) {
          const bpath = `${top}.min.contents.ramsec[${b}]`;
          const block = blocks.get(rb.name);
          if (block === undefined) {
            add({ offset: rb.offset, path: `${bpath}.name`, device: rb.name, field: null, reason: sawBlockList ? `RAM block ${JSON.stringify(rb.name)} is not in the RAM block list` : "RAM pages before any RAM block list (ramblid section)" });
          }
          let p = 0;
          for await (const batch of rb.pages) {
            if (block === undefined) {
              p += batch.length;
              continue;
            }
            for (let i = 0; i < batch.length; i++, p++) {
              const kind = batch.kindCode(i);
              if (kind === KIND_HOOK) continue;
              const addr = batch.addr(i);
              const size = kind === KIND_FULL ? batch.dataLength(i) : PAGE;
              const where = { offset: rb.offset, path: `${bpath}.pagelist[${p}]`, device: rb.name, field: null };
              const hex = `0x${addr.toString(16)}`;
              if (addr < 0n || addr + BigInt(size) > block.len) {
                add({ ...where, reason: `${batch.kind(i)} page at ${hex} lies outside the block (${block.len} bytes)` });
                continue;
              }
              const n = Number(addr / BigInt(PAGE));
              if (kind === KIND_XBZRLE) {
                if (!block.sent[n]) add({ ...where, reason: `XBZRLE page at ${hex} has no base: no page was sent at this address before` });
                try {
                  xbzrleDecode(batch.data(i), scratch);
                } catch (e) {
                  add({ ...where, reason: `XBZRLE page at ${hex} does not decode: ${isQberError(e) ? e.reason : (e as Error).message}` });
                }
              }
              block.sent[n] = 1;
            }
          }
          b++;
        }
      }
      index++;
    }
  } catch (e) {
    if (e instanceof Stop) return { valid: false, problems: problems.list, truncated: true };
    if (!isQberError(e)) throw e;
    problems.add(problemOfError(e));
  } finally {
    await src.return(undefined);
  }
  return { valid: problems.list.length === 0, problems: problems.list, truncated: problems.truncated };
}

