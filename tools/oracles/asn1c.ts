/**
 * asn1c (0.9.28) as an oracle: compiles qber's ASN.1 module into asn1c's
 * sample converter, which decodes BER and re-encodes it as DER, checks
 * constraints, or just decodes (for benchmarks).
 *
 * The converter is built once per process (and kept in a cache directory
 * under os.tmpdir(), keyed by the hash of the module and the build recipe):
 *
 *   asn1c -fwide-types -fcompound-names -pdu=all qemu-migration.asn1
 *   cc -O2 -DPDU=QemuFile -DASN_PDU_COLLECTION -I. -o converter *.c
 *
 * -fwide-types matters: without it asn1c 0.9.28 maps every INTEGER to a C
 * `long` (NativeInteger), and its decoder rejects ("Input processing error")
 * any INTEGER outside [-2^63, 2^63-1], e.g. 2^63 or 2^64-1, which our schema
 * allows (INTEGERs are unbounded; we model them as bigint). With it, INTEGERs
 * are INTEGER_t (arbitrary length). The narrow build is still available
 * (`wideTypes: false`), e.g. for benchmarks against asn1c's fastest decoder.
 *
 * Environment: QBER_ORACLE_CACHE=<dir> moves the cache, =0 disables it.
 */
import { readdirSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Availability } from "./require.js";
import { cachedBuild, moduleKey, probe, run, runOk, which } from "./common.js";

/** asn1c's default limit (-s 30000 bytes of C stack) is too small for deep nesting. */
export const DEFAULT_STACK_LIMIT = 4 * 1024 * 1024;
/** The converter's -b must be 1..16 MiB. */
const MAX_IO_BUFFER = 16 * 1024 * 1024;

const buildRecipe = (wide: boolean) =>
  `asn1c ${wide ? "-fwide-types " : ""}-fcompound-names -pdu=all; cc -O2 -DPDU=QemuFile -DASN_PDU_COLLECTION -I. -o converter *.c`;

let availability: { ok: boolean; reason?: string; version?: string } | undefined;

/** Whether asn1c and a C compiler are installed (probed once per process). */
export function asn1cAvailable(): Availability & { ok: boolean; reason?: string; version?: string } {
  if (availability) return availability;
  const asn1c = which("asn1c");
  const cc = which(process.env.CC ?? "cc");
  if (!asn1c) availability = { ok: false, reason: "asn1c not found on PATH (apt-get install asn1c)" };
  else if (!cc) availability = { ok: false, reason: "no C compiler (cc) on PATH" };
  else {
    const v = probe(asn1c, ["-v"]);
    const version = v?.output.match(/v(\d+\.\d+\.\d+)/)?.[1];
    availability = version ? { ok: true, version } : { ok: false, reason: `asn1c -v did not report a version: ${v?.output ?? "failed to run"}` };
  }
  return availability;
}

export interface BuildOptions {
  /** asn1c -fwide-types: arbitrary-length INTEGERs (default true; see the file comment). */
  readonly wideTypes?: boolean;
}

const converterPromises = new Map<boolean, Promise<string>>();

/** Builds (once per process and flavor, cached on disk) and returns the path of the asn1c converter. */
export function asn1cConverter(opts: BuildOptions = {}): Promise<string> {
  const wide = opts.wideTypes ?? true;
  let p = converterPromises.get(wide);
  if (!p) {
    p = buildConverter(wide);
    converterPromises.set(wide, p);
  }
  return p;
}

/** The directory holding the generated C sources and the converter. */
export async function asn1cBuildDir(opts: BuildOptions = {}): Promise<string> {
  return path.dirname(await asn1cConverter(opts));
}

async function buildConverter(wide: boolean): Promise<string> {
  const avail = asn1cAvailable();
  if (!avail.ok) throw new Error(`asn1c is not available: ${avail.reason}`);
  const { file, hash } = moduleKey(`asn1c ${avail.version}; ${buildRecipe(wide)}`);
  const dir = await cachedBuild(`asn1c-${wide ? "wide" : "narrow"}-${hash}`, "converter", async (d) => {
    await runOk("asn1c", [...(wide ? ["-fwide-types"] : []), "-fcompound-names", "-pdu=all", file], { cwd: d });
    const sources = readdirSync(d).filter((f) => f.endsWith(".c"));
    await runOk(process.env.CC ?? "cc", ["-O2", "-DPDU=QemuFile", "-DASN_PDU_COLLECTION", "-I.", "-o", "converter", ...sources], { cwd: d });
  });
  return path.join(dir, "converter");
}

let workDir: Promise<string> | undefined;
let counter = 0;

async function withInputFile<T>(bytes: Uint8Array, f: (file: string) => Promise<T>): Promise<T> {
  workDir ??= mkdtemp(path.join(os.tmpdir(), "qber-asn1c-io-"));
  const file = path.join(await workDir, `in-${process.pid}-${counter++}.ber`);
  await writeFile(file, bytes);
  try {
    return await f(file);
  } finally {
    await rm(file, { force: true });
  }
}

export interface ConverterOptions extends BuildOptions {
  /** -s: C stack limit in bytes for asn1c's decoder (default DEFAULT_STACK_LIMIT). */
  readonly stackLimit?: number;
  /** -b: i/o buffer size (default: the input's size, between 8 KiB and 16 MiB). */
  readonly bufferSize?: number;
}

function converterArgs(pdu: string, file: string, output: string[], opts: ConverterOptions): string[] {
  let size = 8192;
  try {
    size = statSync(file).size;
  } catch {
    /* converter reports the missing file */
  }
  const b = opts.bufferSize ?? Math.min(MAX_IO_BUFFER, Math.max(8192, size));
  return ["-p", pdu, "-iber", ...output, "-s", String(opts.stackLimit ?? DEFAULT_STACK_LIMIT), "-b", String(b), file];
}

/** asn1c's DER re-encoding of a BER value of type `pdu` (`converter -p PDU -iber -oder`). Throws when asn1c rejects the input. */
export async function asn1cReencodeDer(pdu: string, ber: Uint8Array, opts: ConverterOptions = {}): Promise<Uint8Array> {
  const converter = await asn1cConverter(opts);
  return withInputFile(ber, async (file) => {
    const r = await run(converter, converterArgs(pdu, file, ["-oder"], opts));
    if (r.code !== 0) throw new Error(`asn1c rejected the ${pdu} (${ber.length} bytes), exit ${r.code ?? r.signal}: ${r.stderr.trim()}`);
    return new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength);
  });
}

/** Decodes with asn1c and checks the module's constraints (`-iber -c -onull`). */
export async function asn1cCheck(pdu: string, ber: Uint8Array, opts: ConverterOptions = {}): Promise<{ ok: boolean; stderr: string }> {
  const converter = await asn1cConverter(opts);
  return withInputFile(ber, async (file) => {
    const r = await run(converter, converterArgs(pdu, file, ["-c", "-onull"], opts));
    return { ok: r.code === 0, stderr: r.stderr };
  });
}

/**
 * Decodes a file with asn1c and discards the result (`-iber -onull`), for
 * benchmarks. `iterations` is passed as -n. Returns the wall time of the
 * whole process (including its start-up) in milliseconds.
 */
export async function asn1cDecodeNull(
  pdu: string,
  file: string,
  opts: ConverterOptions & { iterations?: number } = {},
): Promise<{ ok: boolean; ms: number; stderr: string }> {
  const converter = await asn1cConverter(opts);
  const extra = opts.iterations ? ["-n", String(opts.iterations)] : [];
  const r = await run(converter, [...extra, ...converterArgs(pdu, file, ["-onull"], opts)]);
  return { ok: r.code === 0, ms: r.ms, stderr: r.stderr };
}
