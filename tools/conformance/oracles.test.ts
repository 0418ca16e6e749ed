/**
 * Conformance of qber's value codec against two independent ASN.1
 * implementations, over the corpus in ./corpus.ts:
 *
 *  (a) our DER (`encodeValue(pdu, v)`) is byte-identical to asn1c's
 *      `-iber -oder` re-encoding of it;
 *  (b) asn1c decodes our streaming output (indefinite lengths) and its
 *      constraints check (`-c`) passes, and asn1c's DER re-encoding of it
 *      equals our DER;
 *  (c) our `decodeValue` reads Erlang's encoding of the value back to an
 *      equal value;
 *  (d) Erlang's encoding equals our DER byte for byte.
 *
 * Plus: asn1c and erlc both compile packages/core/asn1/qemu-migration.asn1.
 *
 * A missing oracle skips its tests with a warning, or fails the run under CI=true.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { decodeValue, encodeValue, type SchemaTypeName, type SchemaTypes } from "@qber/core";
import { beforeAll, describe, expect, it } from "vitest";
import { asn1cAvailable, asn1cCheck, asn1cConverter, asn1cReencodeDer } from "../oracles/asn1c.js";
import { run } from "../oracles/common.js";
import { erlangAvailable, erlangBuildDir, erlangEncodeBatch, ERLANG_MODULE } from "../oracles/erlang.js";
import { requireOracle } from "../oracles/require.js";
import { buildCorpus, type CorpusItem } from "./corpus.js";

const corpus = buildCorpus();
const haveAsn1c = requireOracle("asn1c", asn1cAvailable());
const haveErlang = requireOracle("erlang", erlangAvailable());

/**
 * Byte-for-byte comparison that reports the first differing offset with
 * some context, instead of printing whole (possibly 1 MiB) arrays.
 */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(e)) return;
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) i++;
  const from = Math.max(0, i - 16);
  const window = (b: Buffer) => `${b.subarray(from, i).toString("hex")}|${b.subarray(i, i + 24).toString("hex")}`;
  throw new Error(
    `${what}: bytes differ at offset ${i} (lengths ${a.length} vs ${e.length})\n` +
      `  actual   [${from}..]: ${window(a)}\n` +
      `  expected [${from}..]: ${window(e)}` +
      (a.length + e.length <= 512 ? `\n  actual   ${a.toString("hex")}\n  expected ${e.toString("hex")}` : ""),
  );
}

// Our encodings, computed on first use so an encoder exception fails only the test that needs it.
const ours = new Map<CorpusItem, { der?: Uint8Array; streaming?: Uint8Array }>();
function ourDer(item: CorpusItem): Uint8Array {
  const m = ours.get(item) ?? {};
  m.der ??= encodeValue(item.pdu, item.value as never);
  ours.set(item, m);
  return m.der;
}
function ourStreaming(item: CorpusItem): Uint8Array {
  const m = ours.get(item) ?? {};
  m.streaming ??= encodeValue(item.pdu, item.value as never, { streaming: true });
  ours.set(item, m);
  return m.streaming;
}

describe("the oracles compile qber's ASN.1 module", () => {
  it.skipIf(!haveAsn1c)("asn1c compiles it and the converter knows every type as a PDU", async () => {
    const converter = await asn1cConverter();
    expect(existsSync(converter)).toBe(true);
    const r = await run(converter, ["-p", "list"]);
    const listed = `${r.stdout.toString("utf8")}${r.stderr}`;
    for (const pdu of ["QemuFile", "Sections", "SecFull", "SecMin", "RAMPage", "VMStateEntries", "QemuString"]) {
      expect(listed).toContain(pdu);
    }
  });
  it.skipIf(!haveErlang)("erlc +ber compiles it", async () => {
    const dir = await erlangBuildDir();
    expect(existsSync(path.join(dir, `${ERLANG_MODULE}.beam`))).toBe(true);
    expect(existsSync(path.join(dir, `${ERLANG_MODULE}.hrl`))).toBe(true);
  });
});

describe.skipIf(!haveAsn1c)("asn1c", () => {
  beforeAll(async () => {
    await asn1cConverter();
  });

  describe("(a) our DER equals asn1c's -iber -oder re-encoding", () => {
    for (const item of corpus) {
      it(`${item.name} [${item.pdu}]`, async () => {
        const der = ourDer(item);
        const theirs = await asn1cReencodeDer(item.pdu, der);
        expectSameBytes(der, theirs, `our DER vs asn1c's re-encoding of it`);
      });
    }
  });

  describe("(b) asn1c accepts our streaming output (-c) and re-encodes it to our DER", () => {
    for (const item of corpus) {
      it(`${item.name} [${item.pdu}]`, async () => {
        const streaming = ourStreaming(item);
        const check = await asn1cCheck(item.pdu, streaming);
        expect(check.ok, `asn1c -c rejected our streaming ${item.pdu}: ${check.stderr}`).toBe(true);
        const theirs = await asn1cReencodeDer(item.pdu, streaming);
        expectSameBytes(theirs, ourDer(item), `asn1c's DER of our streaming output vs our DER`);
      });
    }
  });
});

describe.skipIf(!haveErlang)("Erlang asn1 (erlc +ber)", () => {
  let encoded: (Uint8Array | Error)[] = [];
  beforeAll(async () => {
    encoded = await erlangEncodeBatch(corpus);
  });
  const erlangBytes = (i: number): Uint8Array => {
    const r = encoded[i];
    if (r === undefined) throw new Error(`no Erlang result for item ${i}`);
    if (r instanceof Error) throw r;
    return r;
  };

  describe("(c) our decoder reads Erlang's encoding back to the same value", () => {
    corpus.forEach((item, i) => {
      it(`${item.name} [${item.pdu}]`, () => {
        const decoded = decodeValue(item.pdu, erlangBytes(i)) as SchemaTypes[SchemaTypeName];
        expect(decoded).toEqual(item.value);
      });
    });
  });

  describe("(d) Erlang's encoding equals our DER byte for byte", () => {
    corpus.forEach((item, i) => {
      it(`${item.name} [${item.pdu}]`, () => {
        expectSameBytes(ourDer(item), erlangBytes(i), `our DER vs Erlang's encoding`);
      });
    });
  });
});
