/**
 * Writes QEMU's stream framing into a chunked sink: header, section headers,
 * footers, EOF and the vmdesc; bodies are written by the caller as bytes.
 */
import { type ByteSink, ChunkedOutput } from "../chunked-output.js";
import { LEGACY_MAGIC, LEGACY_VERSION, RecordType } from "./legacy-format.js";

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

export class LegacyWriter {
  readonly out: ChunkedOutput;

  constructor(sink: ByteSink, chunkSize?: number) {
    this.out = new ChunkedOutput(sink, chunkSize);
  }

  u8(v: number): void {
    const w = this.out.w;
    w.reserve(1)[w.pos++] = v;
  }

  be16(v: number): void {
    const w = this.out.w;
    const b = w.reserve(2);
    b[w.pos] = v >>> 8;
    b[w.pos + 1] = v & 0xff;
    w.pos += 2;
  }

  be32(v: number): void {
    const w = this.out.w;
    const b = w.reserve(4);
    b[w.pos] = v >>> 24;
    b[w.pos + 1] = (v >>> 16) & 0xff;
    b[w.pos + 2] = (v >>> 8) & 0xff;
    b[w.pos + 3] = v & 0xff;
    w.pos += 4;
  }

  be64(v: number): void {
    this.be32(Math.floor(v / 0x100000000));
    this.be32(v >>> 0);
  }

  bytes(b: Uint8Array): void {
    this.out.w.raw(b);
  }

  countedString(s: string): void {
    const b = latin1(s);
    this.u8(b.length);
    this.bytes(b);
  }

  header(): void {
    this.be32(LEGACY_MAGIC);
    this.be32(LEGACY_VERSION);
  }

  sectionStart(type: "start" | "full", sectionId: number, idstr: string, instanceId: number, versionId: number): void {
    this.u8(type === "start" ? RecordType.sectionStart : RecordType.sectionFull);
    this.be32(sectionId);
    this.countedString(idstr);
    this.be32(instanceId);
    this.be32(versionId);
  }

  sectionPart(type: "part" | "end", sectionId: number): void {
    this.u8(type === "part" ? RecordType.sectionPart : RecordType.sectionEnd);
    this.be32(sectionId);
  }

  footer(sectionId: number): void {
    this.u8(RecordType.footer);
    this.be32(sectionId);
  }

  configuration(): void {
    this.u8(RecordType.configuration);
  }

  eof(): void {
    this.u8(RecordType.eof);
  }

  vmdesc(json: Uint8Array): void {
    this.u8(RecordType.vmdescription);
    this.be32(json.length);
    this.bytes(json);
  }

  flushIfFull(): Promise<void> {
    return this.out.flushIfFull();
  }

  flush(): Promise<void> {
    return this.out.flush();
  }
}
