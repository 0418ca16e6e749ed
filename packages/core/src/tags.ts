/**
 * The identifier octets of every tag the schema uses. A tag is kept as one
 * number, `class * 2^28 + tag number` (constructed-ness is checked apart), so
 * the hot paths compare integers.
 */

export const TagClass = { universal: 0, application: 1, context: 2, private: 3 } as const;

/** Largest tag number the reader accepts; the schema's largest is 1270481. */
export const MAX_TAG_NUMBER = 0x0fffffff;

export function tagKey(tagClass: number, tagNumber: number): number {
  return tagClass * 0x10000000 + tagNumber;
}

const universal = (n: number): number => tagKey(TagClass.universal, n);
const application = (n: number): number => tagKey(TagClass.application, n);

export const Tag = {
  eoc: universal(0),
  boolean: universal(1),
  integer: universal(2),
  octetString: universal(4),
  null: universal(5),
  utf8String: universal(12),
  sequence: universal(16),
  compr: application(0),
  secMin: application(211),
  secFull: application(2003),
  ramBlockList: application(8018),
  fullPage: application(9040),
  hook: application(9295),
  ramsec: application(9810),
  secEndMark: application(10693),
  subSecList: application(10700),
  subSection: application(10707),
  xbzrlePage: application(11330),
  qemuFile: application(1270481),
} as const;

/** Human name of a tag for error messages: `[APPLICATION 9040]`, `UNIVERSAL 2`. */
export function describeTag(key: number): string {
  const cls = Math.floor(key / 0x10000000);
  const num = key % 0x10000000;
  const names = ["UNIVERSAL", "APPLICATION", "CONTEXT", "PRIVATE"] as const;
  return `[${names[cls] ?? "?"} ${num}]`;
}

/** Identifier octets for a tag (DER form). */
export function encodeTag(key: number, constructed: boolean): Uint8Array {
  const cls = Math.floor(key / 0x10000000);
  const num = key % 0x10000000;
  const first = (cls << 6) | (constructed ? 0x20 : 0);
  if (num < 31) return Uint8Array.of(first | num);
  const groups: number[] = [];
  for (let n = num; n > 0; n = Math.floor(n / 128)) groups.unshift(n % 128);
  return Uint8Array.of(first | 0x1f, ...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
}
