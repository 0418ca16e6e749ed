/**
 * The device sections of a QEMU capture, found from its vmdesc alone. QEMU
 * writes every device section (FULL record: 0x04, be32 section id, counted
 * idstr, be32 instance, be32 version, body, and a footer 0x7e + be32 id on
 * machine types that send footers) after the RAM, then EOF (0x00), then the
 * vmdesc, whose entries are those sections in order with the size of each
 * body. So the sections end where the vmdesc record starts and can be laid
 * out backwards from it, and every header is then checked byte for byte:
 * no RAM record has to be read, and no device model is needed to find where
 * a body ends.
 */
import type { SectionInfo } from "@qber/core";
import { type VmdescDevice, findVmdescRecord, parseVmdesc, vmdescBodySize } from "../vmdesc.js";

export interface CaptureSection {
  /** The section's idstr, e.g. `0000:00:01.1/ide` or `parallel_isa`. */
  readonly idstr: string;
  readonly sectionId: number;
  readonly instance: number;
  readonly version: number;
  /** What a plugin is told about the section. */
  readonly info: SectionInfo;
  /** Offset of the section's record in the stream. */
  readonly offset: number;
  /** The section's body, as long as the vmdesc says it is. */
  readonly body: Uint8Array;
  /** The stream from the body to its end (what an importer hands a plugin). */
  readonly rest: Uint8Array;
  /** The capture's vmdesc entry for the section. */
  readonly vmdesc: VmdescDevice;
}

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** The device sections of a QEMU migration stream (a whole capture with its vmdesc), in stream order. */
export function captureSections(stream: Uint8Array): CaptureSection[] {
  const at = findVmdescRecord(stream);
  if (at < 0) throw new Error("the capture has no vmdesc record at its end (QEMU appends one to every precopy migration): cannot check plugins against it");
  const devices = parseVmdesc(stream.subarray(at + 5)).devices;
  let failure = "";
  for (const footers of [true, false]) {
    const result = layOut(stream, at, devices, footers);
    if (typeof result !== "string") return result;
    failure ||= result;
  }
  throw new Error(`the capture's device sections do not match its vmdesc: ${failure}`);
}

/** The sections laid out backwards from the vmdesc record, or why they do not fit. */
function layOut(stream: Uint8Array, vmdescAt: number, devices: readonly VmdescDevice[], footers: boolean): CaptureSection[] | string {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const names = devices.map((d) => latin1(d.name));
  const sizes = devices.map((d) => vmdescBodySize(d));
  let total = 1; // EOF
  devices.forEach((_, i) => (total += 14 + names[i]!.length + sizes[i]! + (footers ? 5 : 0)));
  let p = vmdescAt - total;
  if (p < 0) return `the vmdesc describes ${total} bytes of device sections, more than the stream holds before it`;
  const out: CaptureSection[] = [];
  for (const [i, d] of devices.entries()) {
    const name = names[i]!;
    if (stream[p] !== 0x04 || stream[p + 5] !== name.length || !name.every((b, k) => stream[p + 6 + k] === b)) {
      return `no section record for ${d.name} at byte ${p}, where the vmdesc's sizes put it`;
    }
    const sectionId = view.getUint32(p + 1);
    const instance = view.getUint32(p + 6 + name.length);
    const version = view.getUint32(p + 10 + name.length);
    if (instance !== d.instance_id) return `${d.name} at byte ${p} is instance ${instance}, the vmdesc's entry instance ${d.instance_id}`;
    const bodyAt = p + 14 + name.length;
    const end = bodyAt + sizes[i]!;
    if (footers && (stream[end] !== 0x7e || view.getUint32(end + 1) !== sectionId)) return `no footer after ${d.name} at byte ${end}`;
    out.push({
      idstr: d.name,
      sectionId,
      instance,
      version,
      info: { name: d.name, instanceId: BigInt(instance), versionId: BigInt(version) },
      offset: p,
      body: stream.subarray(bodyAt, end),
      rest: stream.subarray(bodyAt),
      vmdesc: d,
    });
    p = end + (footers ? 5 : 0);
  }
  if (stream[p] !== 0x00) return `no EOF record at byte ${p}, before the vmdesc`;
  return out;
}
