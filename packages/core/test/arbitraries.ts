/** fast-check generators of schema values, shared by core's tests and the tools' conformance tests. */
import fc from "fast-check";
import type { QemuFile, RamBlockList, RamPage, RamSecBlock, SecFull, SecMin, Section, SubSection, VmStateEntry } from "../src/types.js";

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n });
export const integer = fc.oneof(
  fc.constantFrom(0n, 1n, -1n, 127n, 128n, -128n, -129n, 2n ** 31n - 1n, 2n ** 31n + 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n - 1n),
  fc.bigInt({ min: -1000n, max: 1000n }),
  int64,
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
);

const unit = fc.constantFrom("a", "é", "中", "🙂", "-", "/", ".", "0");
export const qemuString = fc
  .array(unit, { minLength: 1, maxLength: 70 })
  .map((a) => a.join(""))
  .filter((s) => {
    const n = Buffer.byteLength(s, "utf8");
    return n >= 1 && n <= 255;
  });

export const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => new Uint8Array(b));
const page = fc.uint8Array({ minLength: 4096, maxLength: 4096 }).map((b) => new Uint8Array(b));
const addr = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 40n }).map((a) => a * 4096n),
  integer,
);

export const ramPage: fc.Arbitrary<RamPage> = fc.oneof(
  addr.map((a) => ({ kind: "compr" as const, addr: a })),
  fc.record({ kind: fc.constant("fullpage" as const), addr, data: page }),
  fc.record({ kind: fc.constant("xbzrle" as const), addr, data: bytes(300) }),
  fc.constant({ kind: "hook" as const }),
);

export const ramSecBlock: fc.Arbitrary<RamSecBlock> = fc.record({ name: qemuString, pages: fc.array(ramPage, { maxLength: 6 }) });

export const ramBlockList: fc.Arbitrary<RamBlockList> = fc.record({
  totalram: integer,
  blocks: fc.array(fc.record({ name: qemuString, len: integer }), { maxLength: 4 }),
});

const { entry } = fc.letrec<{ entry: VmStateEntry; subsection: SubSection }>((tie) => ({
  entry: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ kind: fc.constant("int" as const), value: integer }),
    fc.record({ kind: fc.constant("bool" as const), value: fc.boolean() }),
    fc.record({ kind: fc.constant("oldblob" as const), value: bytes(64) }),
    fc.record({ kind: fc.constant("array" as const), value: fc.array(tie("entry"), { maxLength: 4 }) }),
    fc.record({ kind: fc.constant("subsecl" as const), value: fc.array(tie("subsection"), { maxLength: 2 }) }),
  ),
  subsection: fc.record({ name: qemuString, versionId: integer, contents: fc.array(tie("entry"), { maxLength: 3 }) }),
}));
export const vmStateEntry = entry;

export const secFull: fc.Arbitrary<SecFull> = fc.record({
  kind: fc.constant("full" as const),
  name: qemuString,
  sectionId: integer,
  instanceId: integer,
  versionId: integer,
  contents: fc.oneof(
    fc.record({ kind: fc.constant("ramblid" as const), value: ramBlockList }),
    fc.record({ kind: fc.constant("vmstate" as const), value: fc.array(vmStateEntry, { maxLength: 5 }) }),
    fc.record({ kind: fc.constant("oldblob" as const), value: bytes(200) }),
  ),
});

export const secMin: fc.Arbitrary<SecMin> = fc.record({
  kind: fc.constant("min" as const),
  sectionId: integer,
  contents: fc.record({ kind: fc.constant("ramsec" as const), value: fc.array(ramSecBlock, { maxLength: 3 }) }),
});

export const section: fc.Arbitrary<Section> = fc.oneof(secFull, secMin);

export const qemuFile: fc.Arbitrary<QemuFile> = fc.record({
  version: fc.constant(3n),
  top: fc.array(section, { maxLength: 5 }),
});
