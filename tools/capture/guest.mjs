// Tiny hand-assembled x86 guests for capture fixtures. No assembler dependency:
// every instruction is written out as bytes with the assembly in a comment.
//
// Both guests are 512-byte boot sectors (0x55 0xAA signature) linked at 0x7c00, the
// classic boot-sector load address. For capturing we do not need SeaBIOS or a disk:
// `biosImage(sector)` wraps a boot sector into a 256 KiB firmware image (same size as
// QEMU's default bios-256k.bin, so the `pc.bios` RAM block keeps its usual length) whose
// reset vector copies the sector to 0000:7c00 and jumps there, exactly like a BIOS would.
//
//   node tools/capture/guest.mjs dirtier out.bin          # boot sector
//   node tools/capture/guest.mjs dirtier out.rom --bios   # 256 KiB firmware image
//
// Guests:
//   hello   - real mode; writes "hello from qber\n" to I/O port 0xe9 (isa-debugcon),
//             then `cli; hlt` forever.
//   dirtier - switches to 32-bit flat protected mode (no paging) and loops forever; every
//             pass increments a counter and writes counter*0x01010101 into a set of
//             pages spread over RAM (see DIRTIER_CLASSES). Before every store it executes
//             `invlpg [edi]` so that QEMU 7.2 TCG re-arms dirty tracking for the page
//             (see README: without it pages are only tracked once).

import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const LOAD_ADDR = 0x7c00;
export const BIOS_SIZE = 256 * 1024;

const le16 = (v) => [v & 0xff, (v >>> 8) & 0xff];
const le32 = (v) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/**
 * Minimal two-pass "linker": items are either byte arrays, label markers
 * `{label: 'x'}`, or functions (labels, here) => bytes, evaluated once all labels are
 * known. Functions must return the same length in both passes.
 */
function link(items, origin) {
  const labels = {};
  const dummy = new Proxy({}, { get: () => origin });
  const emit = (lab) => {
    const out = [];
    for (const it of items) {
      if (Array.isArray(it)) out.push(...it);
      else if (typeof it === "function") out.push(...it(lab, origin + out.length));
      else if (it.label) labels[it.label] = origin + out.length;
      else throw new Error("bad item");
    }
    return out;
  };
  emit(dummy); // pass 1: collect labels
  const bytes = emit(labels);
  return { bytes: Uint8Array.from(bytes), labels };
}

/** rel8 displacement from the end of a 2-byte short jump at `here`. */
function rel8(target, here, insnLen = 2) {
  const d = target - (here + insnLen);
  if (d < -128 || d > 127) throw new Error(`rel8 out of range: ${d}`);
  return d & 0xff;
}

function bootSector(code) {
  if (code.length > 510) throw new Error(`boot sector code too long: ${code.length} bytes`);
  const s = new Uint8Array(512);
  s.set(code, 0);
  s[510] = 0x55;
  s[511] = 0xaa;
  return s;
}

// ---------------------------------------------------------------------------------------
// hello

export const HELLO_MESSAGE = "hello from qber\n";

export function helloSector() {
  const msg = [...Buffer.from(HELLO_MESSAGE, "latin1"), 0];
  const { bytes, labels } = link(
    [
      // --- 16-bit real mode, CS:IP = 0000:7c00 ---
      [0xfa], // cli
      [0xfc], // cld
      [0x31, 0xc0], // xor ax, ax
      [0x8e, 0xd8], // mov ds, ax
      (L) => [0xbe, ...le16(L.msg)], // mov si, msg
      [0xba, 0xe9, 0x00], // mov dx, 0x00e9
      { label: "next" },
      [0xac], // lodsb                 ; al = [ds:si++]
      [0x84, 0xc0], // test al, al
      (L, h) => [0x74, rel8(L.halt, h)], // jz halt
      [0xee], // out dx, al            ; debugcon
      (L, h) => [0xeb, rel8(L.next, h)], // jmp next
      { label: "halt" },
      [0xfa], // cli
      [0xf4], // hlt
      (L, h) => [0xeb, rel8(L.halt, h)], // jmp halt
      { label: "msg" },
      msg, // db "hello from qber", 10, 0
    ],
    LOAD_ADDR,
  );
  return { sector: bootSector(bytes), labels };
}

// ---------------------------------------------------------------------------------------
// dirtier

/**
 * Page classes written every pass. Each: first page address, page step, number of pages,
 * number of dword stores per page and the distance between stores. The value stored is
 * counter*0x01010101, so every stored byte changes between passes.
 *  - small:  1 store per page          -> XBZRLE payload ~6 bytes
 *  - few:    4 stores 1 KiB apart      -> ~4 clusters
 *  - medium: 32 stores 128 bytes apart -> 32 clusters (~200 bytes)
 *  - large:  256 contiguous dwords     -> one 1 KiB run (~1 KiB payload)
 *  - full:   1024 dwords = whole page  -> does not fit XBZRLE, sent as PAGE
 * All pages are above 1 MiB (below 32 MiB) and therefore not in a ROM/VGA window.
 */
export const DIRTIER_CLASSES = [
  { name: "small", first: 0x00100000, step: 0x000c4000, pages: 24, stores: 1, spacing: 0 },
  { name: "few", first: 0x00102000, step: 0x00188000, pages: 12, stores: 4, spacing: 0x400 },
  { name: "medium", first: 0x00104000, step: 0x00310000, pages: 6, stores: 32, spacing: 0x80 },
  { name: "large", first: 0x00106000, step: 0x00620000, pages: 3, stores: 256, spacing: 4 },
  { name: "full", first: 0x00108000, step: 0x00930000, pages: 2, stores: 1024, spacing: 4 },
];

export function dirtierPages() {
  const out = [];
  for (const c of DIRTIER_CLASSES) {
    for (let i = 0; i < c.pages; i++) out.push({ addr: c.first + i * c.step, cls: c.name });
  }
  return out;
}

export function dirtierSector({ invlpg = true } = {}) {
  const table = [];
  for (const c of DIRTIER_CLASSES) {
    if (c.first + (c.pages - 1) * c.step + 4096 > 32 * 1024 * 1024) throw new Error(`class ${c.name} beyond 32 MiB`);
    table.push(...le32(c.first), ...le32(c.step), ...le32(c.pages), ...le32(c.stores), ...le32(c.spacing));
  }
  table.push(...le32(0)); // terminator (first == 0)

  const { bytes, labels } = link(
    [
      // --- 16-bit real mode, CS:IP = 0000:7c00 ---
      [0xfa], // cli
      [0xfc], // cld
      [0x31, 0xc0], // xor ax, ax
      [0x8e, 0xd8], // mov ds, ax
      [0x8e, 0xd0], // mov ss, ax
      [0xbc, ...le16(LOAD_ADDR)], // mov sp, 0x7c00
      (L) => [0x0f, 0x01, 0x16, ...le16(L.gdtr)], // lgdt [gdtr]
      [0x0f, 0x20, 0xc0], // mov eax, cr0
      [0x66, 0x83, 0xc8, 0x01], // or eax, 1              ; CR0.PE
      [0x0f, 0x22, 0xc0], // mov cr0, eax
      (L) => [0xea, ...le16(L.pm32), 0x08, 0x00], // jmp 0x0008:pm32       ; load 32-bit CS
      // --- 32-bit protected mode, flat segments, paging off ---
      { label: "pm32" },
      [0x66, 0xb8, 0x10, 0x00], // mov ax, 0x0010         ; data selector
      [0x8e, 0xd8], // mov ds, ax
      [0x8e, 0xc0], // mov es, ax
      [0x8e, 0xd0], // mov ss, ax
      [0x8e, 0xe0], // mov fs, ax
      [0x8e, 0xe8], // mov gs, ax
      [0xbc, ...le32(LOAD_ADDR)], // mov esp, 0x7c00
      [0x31, 0xc9], // xor ecx, ecx           ; pass counter
      { label: "pass" },
      [0x41], // inc ecx
      [0x69, 0xe9, 0x01, 0x01, 0x01, 0x01], // imul ebp, ecx, 0x01010101 ; value to store
      (L) => [0xbe, ...le32(L.table)], // mov esi, table
      { label: "cls" },
      [0x8b, 0x06], // mov eax, [esi]         ; first page
      [0x85, 0xc0], // test eax, eax
      (L, h) => [0x74, rel8(L.pass, h)], // jz pass                ; end of table
      [0x8b, 0x56, 0x08], // mov edx, [esi+8]       ; page count
      { label: "page" },
      [0x89, 0xc7], // mov edi, eax           ; store cursor
      [0x8b, 0x5e, 0x0c], // mov ebx, [esi+12]      ; stores per page
      { label: "store" },
      invlpg ? [0x0f, 0x01, 0x3f] : [], // invlpg [edi]           ; re-arm dirty tracking
      [0x89, 0x2f], // mov [edi], ebp
      [0x03, 0x7e, 0x10], // add edi, [esi+16]      ; spacing
      [0x4b], // dec ebx
      (L, h) => [0x75, rel8(L.store, h)], // jnz store
      [0x03, 0x46, 0x04], // add eax, [esi+4]       ; next page
      [0x4a], // dec edx
      (L, h) => [0x75, rel8(L.page, h)], // jnz page
      [0x83, 0xc6, 0x14], // add esi, 20            ; next class
      (L, h) => [0xeb, rel8(L.cls, h)], // jmp cls
      // --- data ---
      { label: "gdt" },
      [0, 0, 0, 0, 0, 0, 0, 0], // null descriptor
      [0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0], // 0x08: code, base 0, limit 4 GiB, 32-bit, ring 0
      [0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0], // 0x10: data, base 0, limit 4 GiB, r/w
      { label: "gdtr" },
      (L) => [...le16(23), ...le32(L.gdt)], // dw gdt_end-gdt-1, dd gdt
      { label: "table" },
      table, // class table, 5 dwords per class, 0-terminated
    ],
    LOAD_ADDR,
  );
  return { sector: bootSector(bytes), labels };
}

// ---------------------------------------------------------------------------------------
// firmware wrapper

/**
 * 256 KiB firmware image: the last 64 KiB are visible at F000:0000 in real mode (QEMU maps
 * the top 128 KiB of the BIOS below 1 MiB). The reset vector (F000:FFF0) jumps to a stub at
 * F000:0000 that copies the 512-byte boot sector stored at F000:0200 to 0000:7c00 and jumps
 * there with DL=0x80. Nothing else is initialised (no IVT, no PCI setup).
 */
export function biosImage(sector) {
  if (sector.length !== 512) throw new Error("sector must be 512 bytes");
  const img = new Uint8Array(BIOS_SIZE);
  const segBase = BIOS_SIZE - 0x10000; // image offset of F000:0000
  const SECTOR_OFF = 0x0200;
  const { bytes: stub } = link(
    [
      // --- 16-bit real mode, CS = F000 ---
      [0xfa], // cli
      [0xfc], // cld
      [0x31, 0xc0], // xor ax, ax
      [0x8e, 0xc0], // mov es, ax
      [0x8e, 0xd0], // mov ss, ax
      [0xbc, ...le16(LOAD_ADDR)], // mov sp, 0x7c00
      [0xb8, 0x00, 0xf0], // mov ax, 0xf000
      [0x8e, 0xd8], // mov ds, ax
      [0xbe, ...le16(SECTOR_OFF)], // mov si, 0x0200         ; sector copy in ROM
      [0xbf, ...le16(LOAD_ADDR)], // mov di, 0x7c00
      [0xb9, 0x00, 0x01], // mov cx, 256            ; words
      [0xf3, 0xa5], // rep movsw
      [0x31, 0xc0], // xor ax, ax
      [0x8e, 0xd8], // mov ds, ax
      [0xb2, 0x80], // mov dl, 0x80           ; "boot drive"
      [0xea, ...le16(LOAD_ADDR), 0x00, 0x00], // jmp 0000:7c00
    ],
    0,
  );
  img.set(stub, segBase);
  img.set(sector, segBase + SECTOR_OFF);
  // reset vector at F000:FFF0 (image end - 16)
  img.set([0xea, 0x00, 0x00, 0x00, 0xf0], BIOS_SIZE - 16); // jmp f000:0000
  return img;
}

export const GUESTS = {
  hello: () => helloSector().sector,
  dirtier: () => dirtierSector().sector,
  "dirtier-noinvlpg": () => dirtierSector({ invlpg: false }).sector,
};

// CLI
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [name, out, ...flags] = process.argv.slice(2);
  if (!GUESTS[name] || !out) {
    console.error(`usage: node guest.mjs <${Object.keys(GUESTS).join("|")}> <out-file> [--bios]`);
    process.exit(2);
  }
  const sector = GUESTS[name]();
  writeFileSync(out, flags.includes("--bios") ? biosImage(sector) : sector);
  console.log(`${out}: ${flags.includes("--bios") ? "bios image" : "boot sector"} for ${name}`);
}
