/**
 * A corpus of schema values for the conformance tests against asn1c and
 * Erlang. It covers every CHOICE alternative, empty lists, INTEGER
 * boundaries, multi-byte QemuStrings at the SIZE bounds, byte strings from
 * empty to 1 MiB, and deep nesting. Most items are whole QemuFiles; a few
 * exercise the other types as PDUs on their own.
 *
 * Everything is deterministic (byte strings come from a seeded PRNG).
 */
import type { QemuFile, RamPage, SchemaTypeName, SchemaTypes, SecFull, SecMin, Section, VmStateEntry } from "@qber/core";
import { prng } from "@qber/test-support";

export interface CorpusItem<K extends SchemaTypeName = SchemaTypeName> {
  readonly name: string;
  readonly pdu: K;
  readonly value: SchemaTypes[K];
}

/** Deterministic pseudo-random bytes. */
export function seededBytes(length: number, seed: number): Uint8Array {
  const next = prng(seed);
  return Uint8Array.from({ length }, () => next() & 0xff);
}

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** INTEGER boundaries: the edges of one-, two-, four-, eight- and nine-byte two's-complement contents. */
export const INTEGER_EDGES: readonly bigint[] = [
  0n,
  1n,
  -1n,
  127n,
  128n,
  -128n,
  -129n,
  255n,
  256n,
  32767n,
  32768n,
  -32768n,
  -32769n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 31n + 1n,
  -(2n ** 31n),
  -(2n ** 31n) - 1n,
  2n ** 32n,
  2n ** 63n - 1n,
  2n ** 63n,
  -(2n ** 63n),
  -(2n ** 63n) - 1n,
  2n ** 64n - 1n,
  2n ** 64n,
  -(2n ** 64n),
];

/** Non-negative edges, for ids, lengths and addresses. */
const UNSIGNED_EDGES = INTEGER_EDGES.filter((n) => n >= 0n);

// QemuString SIZE (1..255) bounds, in UTF-8 bytes (and in characters: each is at most 255 characters).
export const STR_1 = "x";
export const STR_E_ACUTE_255 = `${"é".repeat(127)}a`; // 254 + 1 bytes, 128 characters
export const STR_CJK_255 = `${"日本語".repeat(28)}中`; // 85 characters x 3 bytes
export const STR_MIXED = "pc.ram/é/日本/\u{1F600}"; // 1-, 2-, 3- and 4-byte UTF-8
export const STR_MAX_ASCII = "a".repeat(255);

for (const s of [STR_E_ACUTE_255, STR_CJK_255, STR_MAX_ASCII]) {
  if (utf8Length(s) !== 255) throw new Error(`corpus string is ${utf8Length(s)} bytes, not 255`);
}

const PAGE = 4096;

const fullSec = (name: string, contents: SecFull["contents"], ids: Partial<Pick<SecFull, "sectionId" | "instanceId" | "versionId">> = {}): SecFull => ({
  kind: "full",
  name,
  sectionId: ids.sectionId ?? 1n,
  instanceId: ids.instanceId ?? 0n,
  versionId: ids.versionId ?? 1n,
  contents,
});

const minSec = (sectionId: bigint, blocks: SecMin["contents"]["value"]): SecMin => ({
  kind: "min",
  sectionId,
  contents: { kind: "ramsec", value: blocks },
});

const vmstate = (name: string, entries: readonly VmStateEntry[], sectionId = 3n): SecFull => fullSec(name, { kind: "vmstate", value: entries }, { sectionId });

const file = (...top: Section[]): QemuFile => ({ version: 3n, top });

function nestedArray(depth: number, leaf: VmStateEntry): VmStateEntry {
  let e = leaf;
  for (let i = 0; i < depth; i++) e = { kind: "array", value: i % 3 === 0 ? [e, { kind: "int", value: BigInt(i) }] : [e] };
  return e;
}

/** Builds the corpus. The 1 MiB values are built once per call. */
export function buildCorpus(): CorpusItem[] {
  const items: CorpusItem[] = [];
  const add = <K extends SchemaTypeName>(name: string, pdu: K, value: SchemaTypes[K]) => items.push({ name, pdu, value } as CorpusItem);

  const page = seededBytes(PAGE, 1);
  const zeros = new Uint8Array(PAGE);
  const mib = seededBytes(1 << 20, 2);
  const blob4k = seededBytes(PAGE, 3);
  const one = Uint8Array.of(0x00);

  // --- empty lists ---------------------------------------------------------
  add("empty top", "QemuFile", file());
  add("empty ramsec list", "QemuFile", file(minSec(0n, [])));
  add("empty pagelist", "QemuFile", file(minSec(2n, [{ name: "pc.ram", pages: [] }])));
  add("empty vmstate", "QemuFile", file(vmstate("timer", [])));
  add("empty subsection list", "QemuFile", file(vmstate("dev", [{ kind: "subsecl", value: [] }])));
  add("empty subsection contents", "QemuFile", file(vmstate("dev", [{ kind: "subsecl", value: [{ name: "dev/sub", versionId: 1n, contents: [] }] }])));
  add("empty array", "QemuFile", file(vmstate("dev", [{ kind: "array", value: [] }])));
  add("empty blocks", "QemuFile", file(fullSec("ram", { kind: "ramblid", value: { totalram: 0n, blocks: [] } })));

  // --- every alternative ---------------------------------------------------
  const everyPage: RamPage[] = [
    { kind: "compr", addr: 0x1000n },
    { kind: "fullpage", addr: 0x2000n, data: page },
    { kind: "xbzrle", addr: 0x3000n, data: Uint8Array.of(1, 2, 3, 4, 5) },
    { kind: "hook" },
  ];
  const everyEntry: VmStateEntry[] = [
    {
      kind: "array",
      value: [
        { kind: "int", value: 7n },
        { kind: "bool", value: false },
      ],
    },
    { kind: "bool", value: true },
    { kind: "bool", value: false },
    { kind: "int", value: -5n },
    { kind: "oldblob", value: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) },
    {
      kind: "subsecl",
      value: [
        {
          name: "dev/a",
          versionId: 1n,
          contents: [
            { kind: "int", value: 1n },
            { kind: "bool", value: true },
          ],
        },
        {
          name: "dev/b",
          versionId: 2n,
          contents: [{ kind: "subsecl", value: [{ name: "dev/b/c", versionId: 3n, contents: [{ kind: "oldblob", value: one }] }] }],
        },
      ],
    },
  ];
  add(
    "every alternative (migration-shaped file)",
    "QemuFile",
    file(
      fullSec(
        "ram",
        {
          kind: "ramblid",
          value: {
            totalram: 0x2000000n,
            blocks: [
              { name: "pc.ram", len: 0x1000000n },
              { name: "vga.vram", len: 0x1000000n },
            ],
          },
        },
        { sectionId: 2n, versionId: 4n },
      ),
      minSec(2n, [
        { name: "pc.ram", pages: everyPage },
        { name: "vga.vram", pages: [{ kind: "compr", addr: 0n }] },
      ]),
      vmstate("cpu", everyEntry, 4n),
      fullSec("spapr/htab", { kind: "oldblob", value: Uint8Array.of(9, 8, 7) }, { sectionId: 5n }),
      minSec(2n, [{ name: "pc.ram", pages: [{ kind: "hook" }, { kind: "compr", addr: 0x5000n }] }]),
    ),
  );
  for (const p of everyPage) add(`RAMPage ${p.kind} alone in a file`, "QemuFile", file(minSec(1n, [{ name: "pc.ram", pages: [p] }])));
  for (const e of everyEntry) add(`VMStateEntries ${e.kind} alone in a file`, "QemuFile", file(vmstate("dev", [e])));
  add("SecFull contents ramblid", "QemuFile", file(fullSec("ram", { kind: "ramblid", value: { totalram: 4096n, blocks: [{ name: "pc.ram", len: 4096n }] } })));
  add("SecFull contents vmstate", "QemuFile", file(vmstate("dev", [{ kind: "int", value: 0n }])));
  add("SecFull contents oldblob", "QemuFile", file(fullSec("blob", { kind: "oldblob", value: blob4k })));
  add("SecFull contents oldblob empty", "QemuFile", file(fullSec("blob", { kind: "oldblob", value: new Uint8Array(0) })));
  add("zero fullpage", "QemuFile", file(minSec(1n, [{ name: "pc.ram", pages: [{ kind: "fullpage", addr: 0n, data: zeros }] }])));

  // --- INTEGERs ------------------------------------------------------------
  add(
    "INTEGER edges in vmstate int entries",
    "QemuFile",
    file(
      vmstate(
        "ints",
        INTEGER_EDGES.map((value) => ({ kind: "int", value })),
      ),
    ),
  );
  add(
    "INTEGER edges in ids, versions, lengths and addresses",
    "QemuFile",
    file(
      ...INTEGER_EDGES.map((n, i) => fullSec(`s${i}`, { kind: "vmstate", value: [] }, { sectionId: n, instanceId: -n, versionId: n === 0n ? 1n : n })),
      fullSec("ram", { kind: "ramblid", value: { totalram: 2n ** 64n - 1n, blocks: UNSIGNED_EDGES.map((len, i) => ({ name: `b${i}`, len })) } }),
      ...INTEGER_EDGES.map((n) =>
        minSec(n, [
          {
            name: "pc.ram",
            pages: [
              { kind: "compr", addr: n },
              { kind: "xbzrle", addr: -n, data: one },
              { kind: "fullpage", addr: n, data: zeros },
            ],
          },
        ]),
      ),
    ),
  );
  add(
    "INTEGER edges in subsection version ids",
    "QemuFile",
    file(vmstate("dev", [{ kind: "subsecl", value: INTEGER_EDGES.map((versionId, i) => ({ name: `dev/${i}`, versionId, contents: [] })) }])),
  );

  // --- strings -------------------------------------------------------------
  for (const [label, s] of [
    ["1 byte", STR_1],
    ["255 bytes of é", STR_E_ACUTE_255],
    ["255 bytes of CJK", STR_CJK_255],
    ["255 ASCII bytes", STR_MAX_ASCII],
    ["mixed 1-4 byte UTF-8", STR_MIXED],
  ] as const) {
    add(
      `QemuString ${label} in every name position`,
      "QemuFile",
      file(
        fullSec(s, { kind: "ramblid", value: { totalram: 1n, blocks: [{ name: s, len: 1n }] } }),
        minSec(1n, [{ name: s, pages: [{ kind: "hook" }] }]),
        vmstate(s, [{ kind: "subsecl", value: [{ name: s, versionId: 1n, contents: [] }] }]),
      ),
    );
  }

  // --- byte strings --------------------------------------------------------
  for (const [label, data] of [
    ["0 bytes", new Uint8Array(0)],
    ["1 byte", one],
    ["4096 bytes", blob4k],
    ["1 MiB", mib],
  ] as const) {
    add(
      `OCTET STRING ${label} (xbzrle, oldblob entry, oldblob section)`,
      "QemuFile",
      file(
        minSec(1n, [{ name: "pc.ram", pages: [{ kind: "xbzrle", addr: 0x1000n, data }] }]),
        vmstate("dev", [{ kind: "oldblob", value: data }]),
        fullSec("blob", { kind: "oldblob", value: data }),
      ),
    );
  }

  // --- nesting -------------------------------------------------------------
  add("arrays nested 20 deep", "QemuFile", file(vmstate("deep", [nestedArray(20, { kind: "int", value: -129n })])));
  add(
    "arrays and subsections nested",
    "QemuFile",
    file(
      vmstate("deep", [
        nestedArray(10, {
          kind: "subsecl",
          value: [{ name: "deep/sub", versionId: 1n, contents: [nestedArray(8, { kind: "oldblob", value: Uint8Array.of(1) })] }],
        }),
      ]),
    ),
  );

  // --- many elements (lengths beyond one and two length octets) -------------
  add(
    "many pages (long-form lengths)",
    "QemuFile",
    file(
      minSec(1n, [
        {
          name: "pc.ram",
          pages: Array.from(
            { length: 300 },
            (_, i): RamPage => (i % 2 ? { kind: "compr", addr: BigInt(i) * 4096n } : { kind: "fullpage", addr: BigInt(i) * 4096n, data: page }),
          ),
        },
      ]),
    ),
  );

  // --- other PDUs on their own --------------------------------------------------
  add("PDU SecFull", "SecFull", vmstate("dev", everyEntry));
  add("PDU SecMin", "SecMin", minSec(2n, [{ name: "pc.ram", pages: everyPage }]));
  add("PDU Sections full", "Sections", fullSec("ram", { kind: "ramblid", value: { totalram: 1n, blocks: [] } }));
  add("PDU Sections min", "Sections", minSec(0n, []));
  for (const p of everyPage) add(`PDU RAMPage ${p.kind}`, "RAMPage", p);
  for (const e of everyEntry) add(`PDU VMStateEntries ${e.kind}`, "VMStateEntries", e);
  add("PDU RAMSecBlock", "RAMSecBlock", { name: "pc.ram", pages: everyPage });
  add("PDU RAMBlockList", "RAMBlockList", { totalram: 2n ** 63n, blocks: [{ name: STR_CJK_255, len: 2n ** 64n - 1n }] });
  add("PDU RAMBlockID", "RAMBlockID", { name: STR_MIXED, len: -(2n ** 63n) });
  add("PDU FullPage", "FullPage", { addr: 2n ** 64n - 1n, data: page });
  add("PDU XBZRLEPage", "XBZRLEPage", { addr: -1n, data: new Uint8Array(0) });
  add("PDU SubSection", "SubSection", { name: "dev/sub", versionId: 128n, contents: everyEntry });
  add("PDU SubSecList", "SubSecList", [{ name: "a", versionId: 0n, contents: [] }]);
  add("PDU SubSecList empty", "SubSecList", []);
  add("PDU VMState", "VMState", everyEntry);
  add("PDU SectionID", "SectionID", -(2n ** 63n));
  add("PDU SecEndMark", "SecEndMark", null);
  add("PDU QemuString", "QemuString", STR_E_ACUTE_255);

  return items;
}
