/**
 * libvirt's save image (`virsh save`, managed save): a 92-byte header in the
 * saving host's byte order, `data_len` bytes of metadata (the domain XML and
 * the cookie XML, each NUL-terminated, then zeros libvirt leaves so the XML
 * can be edited in place), then the QEMU stream, compressed as a whole for
 * formats 1-5.
 *
 * Header: magic[16] ("LibvirtQemudSave"; "LibvirtQemudPart" while libvirt is
 * still writing), u32 version (2), data_len, was_running, format,
 * cookieOffset (0: no cookie), u32 unused[14]. A reader that sees a version
 * above 2 reads the fields in the other byte order, as libvirt does.
 */
import { containerError } from "./container.js";
import { QberDecodeError } from "@qber/core";
import type { Compression } from "./compression.js";
import { type DomainSummary, MAX_DOMAIN_XML, parseXml, summarizeDomain } from "./domain-xml.js";

export const LIBVIRT_HEADER_SIZE = 92;
const MAGIC = "LibvirtQemudSave";
const PARTIAL = "LibvirtQemudPart";
const VERSION = 2;
/** The room libvirt leaves after the XML so it can be edited in place. */
export const LIBVIRT_XML_PADDING = 64 * 1024;
/** Largest metadata block read: the XML limit plus libvirt's padding, with room for the cookie. */
export const MAX_LIBVIRT_DATA = 2 * MAX_DOMAIN_XML + LIBVIRT_XML_PADDING;

/** The `format` field, by number: 0 raw, 1-5 compressed, 6 sparse (mapped-ram). */
export const LIBVIRT_FORMATS = ["raw", "gzip", "bzip2", "xz", "lzop", "zstd", "sparse"] as const;
export type LibvirtFormat = (typeof LIBVIRT_FORMATS)[number];

export function isLibvirtMagic(head: Uint8Array): boolean {
  const s = Buffer.from(head.subarray(0, 16)).toString("latin1");
  return s === MAGIC || s === PARTIAL;
}

export interface LibvirtSaveHeader {
  readonly littleEndian: boolean;
  readonly version: number;
  readonly dataLen: number;
  readonly wasRunning: boolean;
  readonly format: LibvirtFormat;
  readonly cookieOffset: number;
}

/** A save image's header and metadata, and their exact bytes. */
export interface LibvirtSave {
  readonly header: LibvirtSaveHeader;
  readonly xml: string;
  readonly cookie: string | undefined;
  readonly domain: DomainSummary;
  /** The header and the data_len bytes after it, as in the file. */
  readonly bytes: Uint8Array;
}

/** The compression of a format, undefined for raw and sparse. */
export function compressionOf(format: LibvirtFormat): Compression | undefined {
  return format === "raw" || format === "sparse" ? undefined : format;
}

/**
 * Reads the 92-byte header. `available` is how many bytes the input has in
 * all (undefined for a stream): data_len must fit in it.
 */
export function parseLibvirtHeader(head: Uint8Array, name: string, available: number | undefined): LibvirtSaveHeader {
  if (head.length < LIBVIRT_HEADER_SIZE) {
    throw containerError(
      new QberDecodeError(`${name}: libvirt save image header is ${LIBVIRT_HEADER_SIZE} bytes; the input has ${head.length}`, {
        offset: head.length,
        incomplete: true,
      }),
    );
  }
  const magic = Buffer.from(head.subarray(0, 16)).toString("latin1");
  if (magic === PARTIAL) {
    throw containerError(
      new QberDecodeError(`${name}: incomplete libvirt save image (magic "${PARTIAL}": libvirt had not finished writing it)`, { offset: 0 }),
    );
  }
  if (magic !== MAGIC) throw containerError(new QberDecodeError(`${name}: not a libvirt save image`, { offset: 0, expected: `"${MAGIC}"` }));
  const view = new DataView(head.buffer, head.byteOffset, LIBVIRT_HEADER_SIZE);
  let littleEndian = true;
  if (view.getUint32(16, true) > VERSION) littleEndian = false;
  const u32 = (at: number): number => view.getUint32(at, littleEndian);
  const version = u32(16);
  if (version > VERSION || version === 0)
    throw containerError(
      new QberDecodeError(`${name}: libvirt save image version ${view.getUint32(16, true)} is not known`, { offset: 16, expected: "version 1 or 2" }),
    );
  const dataLen = u32(20);
  const formatNumber = u32(28);
  const format = LIBVIRT_FORMATS[formatNumber];
  if (format === undefined)
    throw containerError(new QberDecodeError(`${name}: unknown libvirt save image format ${formatNumber}`, { offset: 28, expected: "0 (raw) to 6 (sparse)" }));
  if (dataLen > MAX_LIBVIRT_DATA)
    throw containerError(new QberDecodeError(`${name}: libvirt metadata length ${dataLen} is over the limit of ${MAX_LIBVIRT_DATA} bytes`, { offset: 20 }));
  if (available !== undefined && LIBVIRT_HEADER_SIZE + dataLen > available) {
    throw containerError(
      new QberDecodeError(`${name}: libvirt metadata length ${dataLen} runs past the end of the input (${available} bytes)`, { offset: 20, incomplete: true }),
    );
  }
  const cookieOffset = version >= 2 ? u32(32) : 0;
  if (cookieOffset >= Math.max(dataLen, 1) && cookieOffset !== 0) {
    throw containerError(new QberDecodeError(`${name}: cookie offset ${cookieOffset} is outside the ${dataLen} bytes of metadata`, { offset: 32 }));
  }
  return { littleEndian, version, dataLen, wasRunning: u32(24) !== 0, format, cookieOffset };
}

/** A NUL-terminated UTF-8 string at `at` of the metadata. */
function cString(data: Uint8Array, at: number, end: number, what: string, name: string): string {
  const nul = data.indexOf(0, at);
  if (nul < 0 || nul >= end)
    throw containerError(new QberDecodeError(`${name}: the ${what} is not NUL-terminated within its ${end - at} bytes`, { offset: LIBVIRT_HEADER_SIZE + at }));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(data.subarray(at, nul));
  } catch {
    throw containerError(new QberDecodeError(`${name}: the ${what} is not UTF-8`, { offset: LIBVIRT_HEADER_SIZE + at }));
  }
}

/** Reads the metadata: `bytes` is the header and the data_len bytes after it. */
export function parseLibvirtSave(bytes: Uint8Array, header: LibvirtSaveHeader, name: string): LibvirtSave {
  const data = bytes.subarray(LIBVIRT_HEADER_SIZE, LIBVIRT_HEADER_SIZE + header.dataLen);
  if (data.length < header.dataLen) {
    throw containerError(
      new QberDecodeError(`${name}: the input ends inside the libvirt metadata (${header.dataLen} bytes)`, { offset: bytes.length, incomplete: true }),
    );
  }
  const xmlEnd = header.cookieOffset === 0 ? data.length : header.cookieOffset;
  const xml = cString(data, 0, xmlEnd, "domain XML", name);
  const cookie = header.cookieOffset === 0 ? undefined : cString(data, header.cookieOffset, data.length, "cookie XML", name);
  const domain = summarizeDomain(parseXml(xml, `${name}: domain XML`, LIBVIRT_HEADER_SIZE));
  if (cookie !== undefined) parseXml(cookie, `${name}: cookie XML`, LIBVIRT_HEADER_SIZE + header.cookieOffset);
  return { header, xml, cookie, domain, bytes: bytes.subarray(0, LIBVIRT_HEADER_SIZE + header.dataLen) };
}

export interface RebuildOptions {
  /** Another format for the stream (the header's format field). */
  readonly format?: LibvirtFormat;
  /** Another domain XML; data_len and the padding are computed anew, as libvirt does for a new image. */
  readonly xml?: string;
}

/**
 * The header and metadata to write before the stream: the original bytes
 * when nothing changes, else a header in the original byte order with the
 * changes made.
 */
export function rebuildLibvirtSave(save: LibvirtSave, options: RebuildOptions): Uint8Array {
  const format = options.format ?? save.header.format;
  if (options.xml === undefined && format === save.header.format) return save.bytes;
  const header = { ...save.header, format };
  if (options.xml === undefined) {
    const out = save.bytes.slice();
    new DataView(out.buffer).setUint32(28, LIBVIRT_FORMATS.indexOf(format), header.littleEndian);
    return out;
  }
  return buildLibvirtSave(options.xml, save.cookie, header);
}

/** A new header and metadata: XML, cookie, then libvirt's 64 KiB of padding. */
export function buildLibvirtSave(
  xml: string,
  cookie: string | undefined,
  header: Pick<LibvirtSaveHeader, "littleEndian" | "wasRunning" | "format">,
): Uint8Array {
  parseXml(xml, "domain XML");
  const enc = new TextEncoder();
  const x = enc.encode(xml);
  const c = cookie === undefined ? undefined : enc.encode(cookie);
  if (x.includes(0) || c?.includes(0)) throw containerError(new QberDecodeError("domain or cookie XML contains a NUL character", {}));
  const used = x.length + 1 + (c ? c.length + 1 : 0);
  const dataLen = used + LIBVIRT_XML_PADDING;
  const out = new Uint8Array(LIBVIRT_HEADER_SIZE + dataLen);
  out.set(enc.encode(MAGIC), 0);
  const v = new DataView(out.buffer);
  const le = header.littleEndian;
  v.setUint32(16, VERSION, le);
  v.setUint32(20, dataLen, le);
  v.setUint32(24, header.wasRunning ? 1 : 0, le);
  v.setUint32(28, LIBVIRT_FORMATS.indexOf(header.format), le);
  v.setUint32(32, c ? x.length + 1 : 0, le);
  out.set(x, LIBVIRT_HEADER_SIZE);
  if (c) out.set(c, LIBVIRT_HEADER_SIZE + x.length + 1);
  return out;
}
