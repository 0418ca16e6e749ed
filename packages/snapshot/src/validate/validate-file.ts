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
import { type AnyQberError, type ByteSource, type DecodeLimits, type Registry, decodeStreamInfo, emptyRegistry, isQberError, readSections } from "@qber/core";
import { defaultRegistry } from "@qber/devices";
import { SnapshotContext } from "@qber/qemu/classify";
import { RamReconstructor, discardSinks } from "@qber/ram";
import { deviceProblems } from "./device-problems.js";

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
  /** Device plugins (default: defaultRegistry of @qber/devices). */
  readonly registry?: Registry;
  /** DER primitives only, FullPage data exactly 4096 bytes. */
  readonly strict?: boolean;
  /** Most problems reported (default 100). */
  readonly maxProblems?: number;
  readonly limits?: Partial<DecodeLimits>;
  readonly onProgress?: (offset: number) => void;
}

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

async function* closing(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  if (source instanceof Uint8Array) yield source;
  else yield* source as AsyncIterable<Uint8Array>;
}

export async function validateFile(source: ByteSource, options: ValidateOptions = {}): Promise<ValidationReport> {
  const problems = new Problems(options.maxProblems ?? 100);
  const context = new SnapshotContext(options.registry ?? defaultRegistry);
  const add = (p: Problem): void => {
    problems.add(p);
    if (problems.truncated) throw new Stop();
  };
  // RAM pages go through the one page applier, which reports each bad page and goes on.
  const ram = new RamReconstructor(discardSinks, { onProblem: (e, block) => add({ ...problemOfError(e), device: block }) });

  let index = 0;
  // The reader does not always close its source when it throws: close it here.
  const src = closing(source);
  try {
    for await (const s of readSections(src, emptyRegistry, { strict: options.strict ?? false, ...(options.limits ? { limits: options.limits } : {}) })) {
      options.onProgress?.(s.offset);
      if (s.kind === "full") {
        const sec = s.section;
        const at = { offset: s.offset, path: `top[${index}].full.contents` };
        const kind = context.see(sec);
        if (kind === "vmdesc" && context.vmdescError !== undefined) {
          add({ ...at, device: sec.name, field: null, reason: `unreadable vmdesc: ${context.vmdescError}` });
        } else if (kind === "stream-info") {
          try {
            if (sec.contents.kind !== "oldblob") throw new Error(`contents are ${sec.contents.kind}, not oldblob`);
            decodeStreamInfo(sec.contents.value);
          } catch (e) {
            add({ ...at, device: sec.name, field: null, reason: `unreadable stream record: ${(e as Error).message}` });
          }
        } else if (kind === "device") {
          for (const p of deviceProblems(sec, context.decode(sec), context.modelled))
            add({ ...at, device: sec.name, field: p.field === "" ? null : p.field, reason: p.reason });
        }
      }
      try {
        await ram.applySection(s, index);
      } catch (e) {
        if (!isQberError(e, "QberDecodeError") || s.kind !== "full") throw e;
        // A RAM block list that cannot be used (sizes): every page after it will say so too.
        add({ ...problemOfError(e), device: s.section.name });
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
