/**
 * Mutations. Each takes the seed's bytes (never modified) and a generator and
 * returns new bytes; the structure-aware ones use the seed's map (TLV headers
 * or QEMU header fields), so they run first, on the seed itself.
 */
import type { Rng } from "./rng.js";
import type { TlvHeader } from "./ber-map.js";
import type { QemuField } from "./qemu-map.js";

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Replaces `buf[at, at + remove)` with `insert`. */
export function replace(buf: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  return concat(buf.subarray(0, at), insert, buf.subarray(Math.min(buf.length, at + remove)));
}

const INTERESTING_BYTES = [
  0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x07, 0x08, 0x10, 0x1f, 0x20, 0x30, 0x3f, 0x40, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x88, 0xa0, 0xc0, 0xfe, 0xff,
];
const INTERESTING_32 = [
  0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x1001, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
];

function be(value: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = value;
  for (let i = size - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

function randomPos(buf: Uint8Array, rng: Rng): number {
  // Half the time near the front, where the framing is.
  return rng.chance(0.5) ? rng.int(Math.min(buf.length, 512) + 1) : rng.int(buf.length + 1);
}

// ---- generic byte mutations -------------------------------------------------

export type Mutation = (buf: Uint8Array, rng: Rng, others: readonly Uint8Array[]) => Uint8Array;

export const generic: Readonly<Record<string, Mutation>> = {
  bitflip(buf, rng) {
    if (buf.length === 0) return buf;
    const out = buf.slice();
    for (let i = rng.small(8); i > 0; i--) {
      const p = rng.int(out.length);
      out[p]! ^= 1 << rng.int(8);
    }
    return out;
  },
  setByte(buf, rng) {
    if (buf.length === 0) return buf;
    const out = buf.slice();
    for (let i = rng.small(4); i > 0; i--) out[randomPos(out, rng) % out.length] = rng.pick(INTERESTING_BYTES);
    return out;
  },
  insert(buf, rng) {
    const n = rng.small(32);
    const bytes = rng.chance(0.5) ? rng.bytes(n) : Uint8Array.from({ length: n }, () => rng.pick(INTERESTING_BYTES));
    return replace(buf, randomPos(buf, rng), 0, bytes);
  },
  delete(buf, rng) {
    if (buf.length === 0) return buf;
    const at = randomPos(buf, rng);
    return replace(buf, at, rng.chance(0.8) ? rng.small(64) : rng.int(buf.length - at + 1), new Uint8Array(0));
  },
  duplicate(buf, rng) {
    if (buf.length === 0) return buf;
    const from = rng.int(buf.length);
    const piece = buf.subarray(from, from + rng.small(256));
    return replace(buf, rng.int(buf.length + 1), 0, piece);
  },
  overwriteInt(buf, rng) {
    if (buf.length < 4) return buf;
    const size = rng.pick([2, 4, 8]);
    const at = randomPos(buf, rng) % Math.max(1, buf.length - size);
    const v = rng.chance(0.8) ? rng.pick(INTERESTING_32) : rng.u32();
    return replace(buf, at, size, be(size === 2 ? v & 0xffff : v, size));
  },
  splice(buf, rng, others) {
    if (others.length === 0) return buf;
    const other = rng.pick(others);
    const a = rng.int(buf.length + 1);
    const b = rng.int(other.length + 1);
    const tail = other.subarray(b, rng.chance(0.5) ? other.length : b + rng.small(8192));
    return concat(buf.subarray(0, a), tail);
  },
  truncate(buf, rng) {
    return buf.subarray(0, rng.chance(0.3) ? rng.int(Math.min(buf.length, 256) + 1) : rng.int(buf.length + 1));
  },
};

const genericNames = Object.keys(generic);

export function mutateGeneric(buf: Uint8Array, rng: Rng, others: readonly Uint8Array[], count: number, log: string[]): Uint8Array {
  let out = buf;
  for (let i = 0; i < count; i++) {
    const name = rng.pick(genericNames);
    log.push(name);
    out = generic[name]!(out, rng, others);
  }
  return out;
}

// ---- BER: TLV-aware mutations --------------------------------------------------

function lengthOctets(length: number, rng: Rng): Uint8Array {
  // Shortest form, or a long form with extra leading zero octets (valid BER, not DER).
  if (length < 0) return Uint8Array.of(0x80);
  if (length < 0x80 && rng.chance(0.7)) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  for (let pad = rng.chance(0.2) ? rng.small(6) : 0; pad > 0; pad--) bytes.unshift(0);
  if (bytes.length === 0) bytes.push(0);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function newLength(h: TlvHeader, rng: Rng, bufLength: number): Uint8Array {
  const L = h.length < 0 ? h.end - h.at : h.length;
  switch (rng.int(10)) {
    case 0:
      return Uint8Array.of(0x80); // indefinite (invalid on a primitive)
    case 1:
      return Uint8Array.of(0xff); // reserved
    case 2:
      return Uint8Array.of(0x80 | rng.range(5, 127), ...rng.bytes(rng.range(0, 9))); // huge long form
    case 3:
      return lengthOctets(rng.pick([0, 1, 0x7f, 0x80, 0xff, 0x10000, 0x7fffffff, 0xffffffff, 2 ** 40, 2 ** 53 - 1]), rng);
    case 4:
      return lengthOctets(bufLength + rng.int(1000), rng);
    case 5:
      return lengthOctets(Math.max(0, L - rng.small(8)), rng);
    case 6:
      return lengthOctets(L + rng.small(8), rng);
    case 7:
      return lengthOctets(L, rng); // same length, maybe another form
    default:
      return lengthOctets(rng.int(Math.max(1, L * 2)), rng);
  }
}

function newTag(old: Uint8Array, rng: Rng): Uint8Array {
  switch (rng.int(8)) {
    case 0:
      return Uint8Array.of(old[0]! ^ 0x20, ...old.subarray(1)); // constructed bit
    case 1:
      return Uint8Array.of(old[0]! ^ ((rng.int(3) + 1) << 6), ...old.subarray(1)); // class
    case 2:
      return Uint8Array.of(rng.u32() & 0xff); // any one-octet tag
    case 3:
      return Uint8Array.of(0x1f | (old[0]! & 0xe0), ...Array.from({ length: rng.small(7) }, () => 0x80 | rng.u32()), rng.u32() & 0x7f); // long tag number
    case 4:
      return Uint8Array.of(0x1f | (old[0]! & 0xe0), 0x80, 0x01); // leading zero group
    case 5:
      return Uint8Array.of(0x1f | (old[0]! & 0xe0), rng.int(31)); // short number in long form
    case 6:
      return Uint8Array.of(0x00); // end-of-contents where a value starts
    default:
      return Uint8Array.of(
        rng.pick([0x02, 0x04, 0x05, 0x30, 0x31, 0xa0, 0x61, 0x7f, 0x5f, 0x9f, 0xbf]),
        ...(old.length > 1 && rng.chance(0.5) ? old.subarray(1) : []),
      );
  }
}

function pickTlv(tlvs: readonly TlvHeader[], rng: Rng): TlvHeader | undefined {
  if (tlvs.length === 0) return undefined;
  // Favour the outer levels (file, sections, blocks) now and then.
  if (rng.chance(0.3)) {
    const outer = tlvs.filter((t) => t.depth <= 3);
    if (outer.length > 0) return rng.pick(outer);
  }
  return rng.pick(tlvs);
}

export function mutateBer(buf: Uint8Array, tlvs: readonly TlvHeader[], rng: Rng, log: string[]): Uint8Array {
  const h = pickTlv(tlvs, rng);
  if (h === undefined) return buf;
  switch (rng.int(8)) {
    case 0:
    case 1:
    case 2:
      log.push(`ber-length@${h.at}`);
      return replace(buf, h.lengthAt, h.lengthLength, newLength(h, rng, buf.length));
    case 3:
    case 4:
      log.push(`ber-tag@${h.at}`);
      return replace(buf, h.at, h.tagLength, newTag(buf.subarray(h.at, h.at + h.tagLength), rng));
    case 5:
      log.push(`ber-drop@${h.at}`);
      return replace(buf, h.at, h.end - h.at, new Uint8Array(0));
    case 6: {
      log.push(`ber-dup@${h.at}`);
      const copy = buf.slice(h.at, h.end);
      return replace(buf, rng.chance(0.5) ? h.end : h.at, 0, copy);
    }
    default: {
      // Deep nesting: constructed headers with indefinite or definite lengths.
      const depth = rng.pick([8, 63, 64, 65, 200, 5000]);
      log.push(`ber-nest@${h.at}x${depth}`);
      const open = rng.chance(0.5) ? [0x30, 0x80] : [0x7f, 0xcd, 0xc5, 0x51, 0x80];
      const opens = new Uint8Array(open.length * depth);
      for (let i = 0; i < depth; i++) opens.set(open, i * open.length);
      const closes = rng.chance(0.5) ? new Uint8Array(2 * depth) : new Uint8Array(0);
      return concat(buf.subarray(0, h.at), opens, buf.subarray(h.at, h.end), closes, buf.subarray(h.end));
    }
  }
}

// ---- QEMU stream: field-aware mutations --------------------------------------------

const RAM_FLAGS = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200];
const RECORD_TYPES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x7e, 0xff];

function fieldValue(buf: Uint8Array, f: QemuField): number {
  let v = 0;
  for (let i = 0; i < f.size; i++) v = v * 256 + (buf[f.at + i] ?? 0);
  return v;
}

export function mutateQemu(buf: Uint8Array, fields: readonly QemuField[], rng: Rng, log: string[]): Uint8Array {
  if (fields.length === 0) return buf;
  // Favour the rarer kinds: pick a kind first, then a field of it.
  const kinds = [...new Set(fields.map((f) => f.kind))];
  const kind = rng.pick(kinds);
  const f = rng.pick(fields.filter((x) => x.kind === kind));
  const old = fieldValue(buf, f);
  log.push(`qemu-${f.kind}@${f.at}`);
  let v: number;
  switch (f.kind) {
    case "type":
      v = rng.chance(0.8) ? rng.pick(RECORD_TYPES) : rng.u32() & 0xff;
      break;
    case "u8len":
      v = rng.pick([0, 1, 0xff, old + 1, old - 1, rng.u32() & 0xff]) & 0xff;
      break;
    case "u8enc":
      v = rng.pick([0, 2, 0xff]);
      break;
    case "be16len":
      v = rng.pick([0, 1, 4095, 4096, 4097, 0x7fff, 0xffff, old + 1, old - 1, rng.u32() & 0xffff]) & 0xffff;
      break;
    case "ramhdr": {
      const flags = old % 4096;
      const offset = old - flags;
      switch (rng.int(5)) {
        case 0:
        case 1:
          v = offset + (flags ^ rng.pick(RAM_FLAGS));
          break;
        case 2:
          v = rng.pick([0, 0x1000, 2 ** 32, 2 ** 40, 2 ** 52, 2 ** 53, 2 ** 63]) + flags;
          break;
        case 3:
          v = offset + rng.pick(RAM_FLAGS) + (rng.chance(0.5) ? rng.pick(RAM_FLAGS) : 0);
          break;
        default:
          v = rng.u32() * 0x100000000 + rng.u32();
      }
      break;
    }
    default:
      v = rng.chance(0.8) ? rng.pick([...INTERESTING_32, old + 1, Math.max(0, old - 1), old * 2]) : rng.u32();
  }
  const bytes = new Uint8Array(f.size);
  let x = BigInt(Math.max(0, Math.floor(v))) & ((1n << BigInt(8 * f.size)) - 1n);
  for (let i = f.size - 1; i >= 0; i--) {
    bytes[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return replace(buf, f.at, f.size, bytes);
}

// ---- JSON form: tree mutations ----------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function weirdValue(rng: Rng, old: Json): Json {
  switch (rng.int(16)) {
    case 0:
      return null;
    case 1:
      return rng.pick([0, -1, 1, 1.5, 1e308, -1e308, 2 ** 53 + 2, 4096, 0xffffffff]);
    case 2:
      return rng.pick([
        "",
        "0",
        "-1",
        "0x",
        "-0x1",
        "0xg",
        "1e3",
        "18446744073709551616",
        "-9223372036854775809",
        "99999999999999999999999999",
        " 1",
        "0x1000",
        "0xfffffffffffffff000",
      ]);
    case 3:
      return rng.pick(["a", "0", "abc", "zz", "0g", "\u00ff\u00fe"]); // odd or non-hex data
    case 4:
      return typeof old === "string" ? old + (rng.chance(0.5) ? "0" : "00") : "00";
    case 5:
      return typeof old === "string" ? old.slice(0, Math.max(0, old.length - rng.small(8))) : "";
    case 6:
      return [];
    case 7:
      return {};
    case 8:
      return rng.pick([true, false]);
    case 9:
      // Expanded to nested arrays or objects after JSON.stringify (targets.ts).
      return `\u0001deep:${rng.pick([10, 1000, 20000, 200000])}:${rng.chance(0.5) ? "a" : "o"}`;
    case 10:
      return rng.pick([
        "full",
        "min",
        "compr",
        "fullpage",
        "xbzrle",
        "hook",
        "definite",
        "indefinite",
        "qber-json",
        "vmstate",
        "oldblob",
        "ramblid",
        "int",
        "bool",
        "array",
        "subsecl",
      ]);
    case 11:
      return rng.pick(["ff".repeat(4096), "00".repeat(4095), "00".repeat(4097), "ab".repeat(70000)]);
    case 12:
      return Array.isArray(old) ? [...old, ...old] : [old, old];
    case 13:
      return typeof old === "string" && /^-?\d+$/.test(old) ? String(BigInt(old) + BigInt(rng.pick([1, -1, 256, -256, 2 ** 32, 2 ** 62]))) : String(rng.u32());
    default:
      return typeof old === "number" ? old + rng.pick([1, -1, 0.5]) : String(old);
  }
}

/** A copy of `tree` with one node changed (shares the untouched parts). */
function mutateAt(tree: Json, rng: Rng, log: string[], path: string): Json {
  const isContainer = tree !== null && typeof tree === "object";
  const size = isContainer ? (Array.isArray(tree) ? tree.length : Object.keys(tree).length) : 0;
  if (!isContainer || size === 0 || rng.chance(0.12)) {
    log.push(`json-value${path}`);
    return weirdValue(rng, tree);
  }
  if (Array.isArray(tree)) {
    const i = rng.int(tree.length);
    const r = rng.int(12);
    if (r === 0) {
      log.push(`json-drop${path}[${i}]`);
      return tree.filter((_, k) => k !== i);
    }
    if (r === 1) {
      log.push(`json-swap${path}[${i}]`);
      const j = rng.int(tree.length);
      const copy = tree.slice();
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      return copy;
    }
    if (r === 2) {
      log.push(`json-dup${path}[${i}]`);
      const copy = tree.slice();
      copy.splice(i, 0, tree[i]!);
      return copy;
    }
    const copy = tree.slice();
    copy[i] = mutateAt(tree[i]!, rng, log, `${path}[${i}]`);
    return copy;
  }
  const keys = Object.keys(tree);
  const k = rng.pick(keys);
  const r = rng.int(12);
  if (r === 0) {
    log.push(`json-delete${path}.${k}`);
    const { [k]: _, ...rest } = tree;
    return rest;
  }
  if (r === 1) {
    // Move the key to the front or the back: the reader is order-sensitive.
    log.push(`json-reorder${path}.${k}`);
    const { [k]: v, ...rest } = tree;
    return rng.chance(0.5) ? { [k]: v!, ...rest } : { ...rest, [k]: v! };
  }
  if (r === 2) {
    log.push(`json-addkey${path}`);
    return { ...tree, [rng.pick(["raw", "blocks", "contents", "view", "type", "id", "lengths", "x"])]: weirdValue(rng, null) };
  }
  return { ...tree, [k]: mutateAt(tree[k]!, rng, log, `${path}.${k}`) };
}

export function mutateJsonTree(tree: unknown, rng: Rng, count: number, log: string[]): unknown {
  let t = tree as Json;
  for (let i = 0; i < count; i++) t = mutateAt(t, rng, log, "");
  return t;
}

const JSON_TOKENS = [
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  '"',
  "\\",
  "\\u",
  "\\ud800",
  "0",
  "-",
  "e",
  "null",
  "true",
  "1e999",
  " ",
  "\n",
  '"x":',
  "\u0000",
  "\u2028",
  "\ufeff",
];

/** Text-level edits of a JSON text (as UTF-8 bytes). */
export function mutateJsonText(text: Uint8Array, rng: Rng, log: string[]): Uint8Array {
  if (rng.chance(0.5)) {
    const token = Buffer.from(rng.pick(JSON_TOKENS), "utf8");
    const at = randomPos(text, rng);
    const remove = rng.chance(0.5) ? rng.small(4) : 0;
    log.push(`json-token@${at}`);
    return replace(text, at, remove, new Uint8Array(token));
  }
  return mutateGeneric(text, rng, [], 1, log);
}
