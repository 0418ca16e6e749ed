/**
 * `qber report`: one self-contained HTML page (inline CSS and JS, nothing
 * fetched) describing a snapshot — the section table, a collapsible device
 * tree with values, and a map of each RAM block coloured by the kind each
 * page was last sent as — or, given two snapshots, what differs between
 * them: changed sections and fields highlighted, and a map of the RAM pages
 * that differ. RAM maps are downsampled (see ram-map.ts) and long arrays
 * of device fields folded (see folds.ts), so the page stays small whatever
 * the RAM size and however many registers a device has.
 */
import { type ChangedSection, type SnapshotDiff, diffSummaries } from "../diff/diff.js";
import { type FieldDifference, keyPath } from "../diff/fields.js";
import { PAGE_KIND_NAMES, PAGE_SIZE, type RamBlockSummary, type SectionState, type SnapshotSummary } from "../diff/summary.js";
import type { InspectedSection } from "../inspect/inspected-section.js";
import type { GuestPhysical } from "../dump/guest-map-reader.js";
import { CHANGE_NAMES, type CellMap, DEFAULT_MAX_CELLS, changeMap, kindMap } from "./ram-map.js";
import { Folds, keptInView } from "./folds.js";

export interface ReportFile {
  /** Shown as the file's name. */
  readonly name: string;
  readonly summary: SnapshotSummary;
  /** What the file was: a qber BER file or a QEMU stream (read through the importer). */
  readonly format?: "ber" | "qemu";
  /** Size of the file in bytes, when known. */
  readonly size?: number;
}

export interface ReportOptions {
  /** Most cells per RAM map (default 16384); bigger blocks get several pages per cell. */
  readonly maxCellsPerBlock?: number;
  /** Page title (default "qber report: NAME"). */
  readonly title?: string;
}

/** Colours of the RAM maps, by page kind and by change state; the legends use the same. */
export const KIND_COLOURS: Readonly<Record<(typeof PAGE_KIND_NAMES)[number], string>> = {
  never: "#e5e7eb",
  zero: "#93c5fd",
  full: "#1d4ed8",
  xbzrle: "#f59e0b",
};
export const CHANGE_COLOURS: Readonly<Record<(typeof CHANGE_NAMES)[number], string>> = {
  same: "#e5e7eb",
  changed: "#dc2626",
  outside: "#7c3aed",
};

const KIND_LABELS = { never: "never sent", zero: "zero page", full: "full page", xbzrle: "XBZRLE page" } as const;
const KIND_SHORT = { never: "never sent", zero: "zero", full: "full", xbzrle: "XBZRLE" } as const;
const CHANGE_LABELS = { same: "same contents", changed: "contents differ", outside: "beyond the shorter block" } as const;

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 && v !== Math.floor(v) ? 1 : 0)} ${units[u]}`;
}

const plural = (n: number, word: string): string => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

interface MapData extends CellMap {
  readonly palette: "kinds" | "changes";
  readonly cols: number;
  readonly cell: number;
}

/** Collects the maps drawn by the page script; canvases refer to them by index. */
class Maps {
  readonly list: MapData[] = [];

  canvas(map: CellMap, palette: MapData["palette"], label: string): string {
    const cols = Math.min(128, Math.max(1, map.cells));
    const cell = map.cells <= 2048 ? 8 : 4;
    const rows = Math.max(1, Math.ceil(map.cells / cols));
    this.list.push({ ...map, palette, cols, cell });
    return `<canvas class="ram-map" data-map="${this.list.length - 1}" data-palette="${palette}" width="${cols * cell}" height="${rows * cell}" role="img" aria-label="${esc(label)}"></canvas>`;
  }
}

function legend(kind: "kinds" | "changes"): string {
  const entries =
    kind === "kinds"
      ? PAGE_KIND_NAMES.map((k) => [k, KIND_COLOURS[k], KIND_LABELS[k]] as const)
      : CHANGE_NAMES.map((k) => [k, CHANGE_COLOURS[k], CHANGE_LABELS[k]] as const);
  return `<ul class="legend" data-legend="${kind}">${entries.map(([k, colour, label]) => `<li data-kind="${k}"><span class="swatch" style="background:${colour}"></span>${esc(label)}</li>`).join("")}</ul>`;
}

function sectionTable(sections: readonly InspectedSection[], id: string): string {
  const head = ["#", "id", "name", "instance", "version", "kind", "bytes", "decoded"];
  const rows = sections.map(
    (s, i) =>
      `<tr class="kind-${s.kind}"><td>${i}</td><td>${esc(String(s.id))}</td><td>${esc(s.name ?? "-")}</td><td>${s.instance === null ? "-" : esc(String(s.instance))}</td><td>${s.version === null ? "-" : esc(String(s.version))}</td><td>${s.kind}</td><td class="num">${s.bytes.toLocaleString("en-US")}</td><td>${s.decodedBy === null ? "-" : esc(s.decodedBy + (s.plugin ? ` (${s.plugin})` : ""))}</td></tr>`,
  );
  return `<table class="sections" id="${id}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function scalar(v: unknown): string {
  const s = typeof v === "string" ? JSON.stringify(v) : v === undefined ? "(absent)" : JSON.stringify(v);
  return esc(s);
}

/** A field tree; returns its HTML and whether it holds a changed field. */
function fieldTree(
  value: unknown,
  path: string,
  label: string,
  changes: ReadonlyMap<string, FieldDifference>,
  folds: Folds,
): { html: string; changed: boolean } {
  const here = changes.get(path);
  const isArray = Array.isArray(value);
  if (typeof value === "object" && value !== null && (isArray || Object.keys(value).length > 0) && !(isArray && value.length === 0)) {
    const sub = entryList(value, path, changes, folds);
    const changed = here !== undefined || sub.changed;
    const count = isArray ? `[${value.length}]` : `{${Object.keys(value).length}}`;
    const note = here !== undefined ? ` <span class="was">was ${scalar(here.a)}</span>` : "";
    const html = `<li><details class="node${changed ? " changed" : ""}"${changed ? " open" : ""} data-path="${esc(path)}"><summary><span class="k">${esc(label)}</span> <span class="count">${count}</span>${note}</summary><ul>${sub.html}</ul></details></li>`;
    return { html, changed };
  }
  if (here !== undefined) {
    return {
      html: `<li class="leaf changed" data-path="${esc(path)}"><span class="k">${esc(label)}</span>: <span class="v old">${scalar(here.a)}</span> <span class="arrow">→</span> <span class="v new">${scalar(here.b)}</span></li>`,
      changed: true,
    };
  }
  return {
    html: `<li class="leaf" data-path="${esc(path)}"><span class="k">${esc(label)}</span>: <span class="v">${scalar(value)}</span></li>`,
    changed: false,
  };
}

/** The list items of an object's or array's entries; a long array's middle folded away (folds.ts). */
function entryList(value: object, path: string, changes: ReadonlyMap<string, FieldDifference>, folds: Folds): { html: string; changed: boolean } {
  const entries: [string, string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [`[${i}]`, `${path}[${i}]`, v])
    : Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, keyPath(path, k), v]);
  const n = Array.isArray(value) ? entries.length : 0;
  let changed = false;
  const out: string[] = [];
  let hidden: string[] = [];
  const fold = () => {
    if (hidden.length > 0) out.push(folds.button(hidden.join(""), hidden.length));
    hidden = [];
  };
  entries.forEach(([k, p, v], i) => {
    const sub = fieldTree(v, p, k, changes, folds);
    if (sub.changed) changed = true;
    if (keptInView(i, n, sub.changed)) {
      fold();
      out.push(sub.html);
    } else {
      hidden.push(sub.html);
    }
  });
  fold();
  return { html: out.join(""), changed };
}

function deviceNode(
  index: number,
  s: SectionState,
  state: "same" | "changed" | "only-a" | "only-b" | "",
  change: ChangedSection | undefined,
  names: readonly string[],
  folds: Folds,
): string {
  const changes = new Map((change?.fields ?? []).map((f) => [f.path, f]));
  const meta = [
    `instance ${s.instance}`,
    change?.versionChanged ? `version ${change.version.a} → ${change.version.b}` : `version ${s.version}`,
    s.kind === "device" ? (s.decodedBy ?? "") + (s.plugin ? ` ${s.plugin}` : "") : s.kind,
  ];
  const badge =
    state === "changed"
      ? `<span class="badge changed">${change && change.fields.length + change.moreFields > 0 ? `${plural(change.fields.length + change.moreFields, "field")} changed` : "version changed"}</span>`
      : state === "only-a"
        ? `<span class="badge only">only in ${esc(names[0] ?? "A")}</span>`
        : state === "only-b"
          ? `<span class="badge only">only in ${esc(names[1] ?? "B")}</span>`
          : "";
  let body: string;
  const f = s.fields;
  if (typeof f === "object" && f !== null) {
    body = `<ul class="fields">${entryList(f, "", changes, folds).html}</ul>`;
  } else {
    body = `<ul class="fields">${fieldTree(f, "", "(contents)", changes, folds).html}</ul>`;
  }
  // Fields only in A have no node in B's tree: list them.
  const gone = (change?.fields ?? []).filter((d) => !("b" in d));
  if (gone.length > 0)
    body += `<ul class="fields removed">${gone.map((d) => `<li class="leaf changed" data-path="${esc(d.path)}"><span class="k">${esc(d.path)}</span>: <span class="v old">${scalar(d.a)}</span> <span class="arrow">→</span> <span class="v new">(absent)</span></li>`).join("")}</ul>`;
  if (change && change.moreFields > 0) body += `<p class="note">… and ${plural(change.moreFields, "more changed field")}</p>`;
  return `<details class="device ${state}" id="dev-${index}" data-name="${esc(s.name)}" data-instance="${esc(String(s.instance))}"${state === "changed" ? " open" : ""}><summary><span class="dev-name">${esc(s.name)}</span> <span class="meta">${esc(meta.filter(Boolean).join(" · "))}</span> ${badge}</summary>${body}</details>`;
}

function pageCounts(b: RamBlockSummary): number[] {
  const counts = new Array<number>(PAGE_KIND_NAMES.length).fill(0);
  for (let i = 0; i < b.pages; i++) counts[b.kinds[i]!]!++;
  return counts;
}

function blockCaption(b: RamBlockSummary, map: CellMap): string {
  const counts = pageCounts(b);
  const parts = PAGE_KIND_NAMES.flatMap((k, i) => (counts[i]! > 0 ? [`${counts[i]!.toLocaleString("en-US")} ${KIND_SHORT[k]}`] : []));
  return `${esc(bytes(b.length ?? b.pages * PAGE_SIZE))}, ${plural(b.pages, "page")}${map.pagesPerCell > 1 ? `, ${map.pagesPerCell.toLocaleString("en-US")} pages per cell (dominant kind)` : ""} — ${parts.join(", ")}`;
}

/** Where the guest sees the block: "guest-physical 0x…-0x… (block +0x…)", one per range; nothing for unmapped blocks. */
function guestLabel(b: RamBlockSummary, guest: GuestPhysical): string {
  if ("error" in guest) return "";
  const hex = (n: number) => `0x${n.toString(16)}`;
  const mine = guest.ranges.filter((r) => r.block === b.name);
  if (mine.length === 0) return "";
  return `<div class="guest-physical">guest-physical ${mine.map((r) => `${hex(r.start)}-${hex(r.start + r.length - 1)} (block +${hex(r.offset)})`).join(", ")}</div>`;
}

function kindFigure(maps: Maps, b: RamBlockSummary, guest: GuestPhysical, file: "a" | "b", heading: string, maxCells: number): string {
  const map = kindMap(b, maxCells);
  return `<figure class="ram-block" data-block="${esc(b.name)}" data-file="${file}" data-map-kind="kinds"><figcaption><strong>${esc(heading)}</strong><br><span class="caption">${blockCaption(b, map)}</span>${guestLabel(b, guest)}</figcaption>${maps.canvas(map, "kinds", `${b.name}: page kinds`)}</figure>`;
}

const STYLE = `
:root{--fg:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#fff;--accent:#1d4ed8;--changed:#dc2626;--changed-bg:#fef2f2;--only:#7c3aed}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{padding:20px 28px;background:#0f172a;color:#f8fafc}
header h1{margin:0 0 6px;font-size:22px}
header .files{margin:0;color:#cbd5e1;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:13px}
.verdict{display:inline-block;margin-top:10px;padding:3px 10px;border-radius:999px;font-weight:600}
.verdict.same{background:#dcfce7;color:#166534}.verdict.different{background:#fee2e2;color:#991b1b}
nav{position:sticky;top:0;z-index:1;background:#f8fafc;border-bottom:1px solid var(--line);padding:8px 28px}
nav a{margin-right:18px;color:var(--accent);text-decoration:none;font-weight:600}
main{padding:8px 28px 40px;max-width:1400px}
h2{margin:28px 0 10px;font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:20px}
.card span{color:var(--muted);font-size:12px}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px}
th,td{border-bottom:1px solid var(--line);padding:3px 10px;text-align:left;white-space:nowrap}
th{background:#f8fafc;position:sticky;top:37px}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.kind-ram td{color:var(--muted)}
tr.changed td{background:var(--changed-bg)}
.tables{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.toolbar{margin:6px 0 10px}
button{font:inherit;font-size:12px;padding:3px 10px;border:1px solid var(--line);background:#f8fafc;border-radius:6px;cursor:pointer;margin-right:6px}
button.more{font-family:inherit;font-size:11.5px;padding:0 8px;margin:1px 0;color:var(--accent)}
details.device{border:1px solid var(--line);border-radius:6px;margin:4px 0;padding:2px 10px}
details.device>summary{cursor:pointer;padding:4px 0}
details.device.changed{border-color:var(--changed);background:var(--changed-bg)}
details.device.only-a,details.device.only-b{border-color:var(--only);border-style:dashed}
.dev-name{font-weight:600;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
.meta{color:var(--muted);font-size:12px;margin-left:6px}
.badge{font-size:11px;padding:1px 7px;border-radius:999px;margin-left:6px;font-weight:600}
.badge.changed{background:var(--changed);color:#fff}.badge.only{background:var(--only);color:#fff}
ul.fields,ul.fields ul{list-style:none;margin:0;padding-left:18px;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px}
ul.fields{padding-left:4px;margin:2px 0 8px}
details.node>summary{cursor:pointer}
.k{color:#334155}.v{color:#0f766e;overflow-wrap:anywhere}.count{color:var(--muted)}
li.changed>.k,details.node.changed>summary>.k{color:var(--changed);font-weight:600}
li.leaf.changed{background:#fee2e2;border-radius:3px}
.v.old{color:#991b1b;text-decoration:line-through}.v.new{color:#166534;font-weight:600}
.was{color:#991b1b;font-size:11px}
.arrow{color:var(--muted)}
.ram-grid{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
figure.ram-block{margin:8px 0;padding:10px;border:1px solid var(--line);border-radius:8px;max-width:560px}
figcaption{margin-bottom:8px}
.caption{color:var(--muted);font-size:12px}
.guest-physical{color:var(--muted);font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
canvas.ram-map{display:block;image-rendering:pixelated;border:1px solid #cbd5e1;max-width:100%}
ul.legend{list-style:none;padding:0;margin:6px 0 12px;display:flex;flex-wrap:wrap;gap:14px;font-size:13px}
.swatch{display:inline-block;width:14px;height:14px;border:1px solid #94a3b8;border-radius:3px;vertical-align:-2px;margin-right:5px}
.ranges{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px;color:#334155}
.note{color:var(--muted);font-size:12px}
.block-diff{border-top:1px solid var(--line);margin-top:10px}
`;

const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("qber-report-data").textContent);
  function cellsOf(m) {
    if (m.values) return m.values;
    var v = new Uint8Array(m.cells), i = 0;
    for (var r = 0; r < m.rle.length; r += 2) { v.fill(m.rle[r], i, i + m.rle[r + 1]); i += m.rle[r + 1]; }
    m.values = v;
    return v;
  }
  var canvases = document.querySelectorAll("canvas.ram-map");
  for (var c = 0; c < canvases.length; c++) (function (cv) {
    var m = data.maps[+cv.getAttribute("data-map")];
    var pal = data.palettes[m.palette];
    var ctx = cv.getContext("2d");
    var i = 0;
    for (var r = 0; r < m.rle.length; r += 2) {
      ctx.fillStyle = pal[m.rle[r]];
      var n = m.rle[r + 1];
      while (n > 0) {
        var x = i % m.cols, run = Math.min(n, m.cols - x);
        ctx.fillRect(x * m.cell, Math.floor(i / m.cols) * m.cell, run * m.cell, m.cell);
        i += run; n -= run;
      }
    }
    cv.addEventListener("mousemove", function (e) {
      var box = cv.getBoundingClientRect();
      var x = Math.floor((e.clientX - box.left) * cv.width / box.width / m.cell);
      var y = Math.floor((e.clientY - box.top) * cv.height / box.height / m.cell);
      var cell = y * m.cols + x;
      if (x < 0 || x >= m.cols || cell >= m.cells) { cv.title = ""; return; }
      var first = cell * m.pagesPerCell, last = Math.min(m.pages, first + m.pagesPerCell) - 1;
      cv.title = "offset 0x" + (first * 4096).toString(16) + (last > first ? "-0x" + ((last + 1) * 4096 - 1).toString(16) + " (" + (last - first + 1) + " pages)" : "") + ": " + data.names[m.palette][cellsOf(m)[cell]];
    });
  })(canvases[c]);
  // A folded run of a long array: its list items, gzipped, inflated in place.
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("button[data-fold]") : null;
    if (!b || b.disabled) return;
    b.disabled = true;
    var packed = atob(data.folds[+b.getAttribute("data-fold")]), bytes = new Uint8Array(packed.length);
    for (var i = 0; i < packed.length; i++) bytes[i] = packed.charCodeAt(i);
    new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text().then(function (html) {
      var li = b.parentNode;
      li.insertAdjacentHTML("afterend", html);
      li.remove();
    }, function (err) { b.textContent = "cannot unfold here: " + err; });
  });
  document.querySelectorAll("button[data-expand]").forEach(function (b) {
    b.addEventListener("click", function () {
      var open = b.getAttribute("data-expand") === "all";
      document.querySelectorAll("#devices details").forEach(function (d) { d.open = open; });
    });
  });
})();
`;

/** Renders the report of one snapshot, or of two with their differences. */
export function renderReport(a: ReportFile, b?: ReportFile, options: ReportOptions = {}): string {
  const maxCells = options.maxCellsPerBlock ?? DEFAULT_MAX_CELLS;
  const maps = new Maps();
  const folds = new Folds();
  const names = b ? [a.name, b.name] : [a.name];
  const diff = b ? diffSummaries(a.summary, b.summary, { names: [a.name, b.name] }) : undefined;
  const title = options.title ?? (b ? `qber report: ${a.name} vs ${b.name}` : `qber report: ${a.name}`);
  const parts: string[] = [];

  // Header.
  const fileLine = (f: ReportFile, tag: string) =>
    `<p class="files">${tag}${esc(f.name)} — ${f.format === "qemu" ? "QEMU migration stream" : "qber BER file"}${f.size !== undefined ? `, ${esc(bytes(f.size))}` : ""}</p>`;
  parts.push(`<header><h1>${b ? "qber diff report" : "qber report"}</h1>${fileLine(a, b ? "A: " : "")}${b ? fileLine(b, "B: ") : ""}`);
  if (diff) parts.push(`<span class="verdict ${diff.identical ? "same" : "different"}" id="verdict">${diff.identical ? "identical" : "different"}</span>`);
  parts.push(`</header>`);
  parts.push(
    `<nav>${diff ? `<a href="#diff">Differences</a>` : ""}<a href="#sections">Sections</a><a href="#devices">Devices</a><a href="#ram">RAM</a></nav><main>`,
  );

  // Summary cards.
  const card = (value: string, label: string) => `<div class="card"><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
  const summaryCards = (f: ReportFile, tag: string) => {
    const s = f.summary;
    const devices = s.states.filter((x) => x.kind === "device").length;
    const pages = s.ram.reduce((n, r) => n + r.pages, 0);
    return `<div class="cards" data-file="${tag}">${card(String(s.sections.length), `sections${b ? ` in ${tag.toUpperCase()}` : ""}`)}${card(String(devices), "devices")}${card(String(s.ram.length), "RAM blocks")}${card(bytes(pages * PAGE_SIZE), `RAM (${plural(pages, "page")})`)}</div>`;
  };
  if (diff) parts.push(diffSection(diff, a.summary, b!.summary));
  else parts.push(summaryCards(a, "a"));

  // Sections.
  parts.push(`<section id="sections"><h2>Sections</h2>`);
  if (b) {
    parts.push(
      `<div class="tables"><div><h3>A: ${esc(a.name)}</h3>${sectionTable(a.summary.sections, "sections-a")}</div><div><h3>B: ${esc(b.name)}</h3>${sectionTable(b.summary.sections, "sections-b")}</div></div>`,
    );
  } else {
    parts.push(sectionTable(a.summary.sections, "sections-a"));
  }
  parts.push(`</section>`);

  // Devices.
  parts.push(
    `<section id="devices"><h2>Devices</h2><div class="toolbar"><button type="button" data-expand="all">expand all</button><button type="button" data-expand="none">collapse all</button></div><div class="tree">`,
  );
  if (diff && b) {
    const changedBy = new Map(diff.sections.changed.map((c) => [`${c.name}\u0000${c.instance}`, c]));
    const inA = new Set(a.summary.states.map((s) => `${s.name}\u0000${s.instance}`));
    const inB = new Map(b.summary.states.map((s) => [`${s.name}\u0000${s.instance}`, s]));
    let i = 0;
    for (const s of a.summary.states) {
      const k = `${s.name}\u0000${s.instance}`;
      const other = inB.get(k);
      const change = changedBy.get(k);
      parts.push(deviceNode(i++, other ?? s, other === undefined ? "only-a" : change ? "changed" : "same", change, names, folds));
    }
    for (const s of b.summary.states) if (!inA.has(`${s.name}\u0000${s.instance}`)) parts.push(deviceNode(i++, s, "only-b", undefined, names, folds));
  } else {
    a.summary.states.forEach((s, i) => parts.push(deviceNode(i, s, "", undefined, names, folds)));
  }
  parts.push(`</div></section>`);

  // RAM.
  parts.push(`<section id="ram"><h2>RAM</h2>`);
  if (diff && b) {
    parts.push(`<h3>Pages that differ</h3>${legend("changes")}<div class="ram-grid">`);
    const blocksB = new Map(b.summary.ram.map((r) => [r.name, r]));
    for (const ra of a.summary.ram) {
      const rb = blocksB.get(ra.name);
      if (rb === undefined) continue;
      const d = diff.ram.blocks.find((x) => x.name === ra.name)!;
      const map = changeMap(ra, rb, maxCells);
      const cap = `${d.differentPages.toLocaleString("en-US")} of ${plural(Math.max(ra.pages, rb.pages), "page")} ${d.differentPages === 1 ? "differs" : "differ"}${map.pagesPerCell > 1 ? `; ${map.pagesPerCell.toLocaleString("en-US")} pages per cell (changed if any page is)` : ""}`;
      const ranges =
        d.ranges.length > 0
          ? `<div class="ranges">${d.ranges
              .slice(0, 6)
              .map((g) => `${g.start}-${g.end}`)
              .join(", ")}${d.ranges.length > 6 ? `, … (${d.ranges.length} ranges)` : ""}</div>`
          : "";
      parts.push(
        `<figure class="ram-block${d.differentPages > 0 ? " changed" : ""}" data-block="${esc(ra.name)}" data-file="diff" data-map-kind="changes"><figcaption><strong>${esc(ra.name)}</strong><br><span class="caption">${esc(cap)}</span>${ranges}</figcaption>${maps.canvas(map, "changes", `${ra.name}: pages that differ`)}</figure>`,
      );
    }
    parts.push(`</div><h3>Page kinds</h3>${legend("kinds")}<div class="ram-grid">`);
    for (const ra of a.summary.ram) {
      parts.push(kindFigure(maps, ra, a.summary.guestPhysical, "a", `A: ${ra.name}`, maxCells));
      const rb = blocksB.get(ra.name);
      if (rb) parts.push(kindFigure(maps, rb, b.summary.guestPhysical, "b", `B: ${rb.name}`, maxCells));
    }
    const namesA = new Set(a.summary.ram.map((r) => r.name));
    for (const rb of b.summary.ram) if (!namesA.has(rb.name)) parts.push(kindFigure(maps, rb, b.summary.guestPhysical, "b", `B only: ${rb.name}`, maxCells));
    parts.push(`</div>`);
  } else {
    parts.push(`${legend("kinds")}<div class="ram-grid">`);
    for (const r of a.summary.ram) parts.push(kindFigure(maps, r, a.summary.guestPhysical, "a", r.name, maxCells));
    parts.push(`</div>`);
  }
  if ((b ? [a, b] : [a]).every((f) => f.summary.ram.length === 0)) parts.push(`<p class="note">No RAM in this snapshot.</p>`);
  parts.push(`</section></main>`);

  const data = {
    palettes: { kinds: PAGE_KIND_NAMES.map((k) => KIND_COLOURS[k]), changes: CHANGE_NAMES.map((k) => CHANGE_COLOURS[k]) },
    names: { kinds: PAGE_KIND_NAMES.map((k) => KIND_LABELS[k]), changes: CHANGE_NAMES.map((k) => CHANGE_LABELS[k]) },
    maps: maps.list,
    folds: folds.list,
  };
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="qber">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${parts.join("\n")}
<script type="application/json" id="qber-report-data">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function diffSection(d: SnapshotDiff, a: SnapshotSummary, b: SnapshotSummary): string {
  const s = d.summary;
  const card = (value: number, label: string, hot: boolean) =>
    `<div class="card"${hot && value > 0 ? ' style="border-color:#dc2626"' : ""}><b>${value.toLocaleString("en-US")}</b><span>${esc(label)}</span></div>`;
  const out: string[] = [`<section id="diff"><h2>Differences</h2><div class="cards">`];
  out.push(card(s.sectionsChanged, "sections changed", true), card(s.sectionsOnlyInA, "only in A", true), card(s.sectionsOnlyInB, "only in B", true));
  out.push(card(s.ramBlocksChanged, "RAM blocks changed", true), card(s.pagesChanged, "RAM pages differ", true));
  out.push(card(a.sections.length, "sections in A", false), card(b.sections.length, "sections in B", false), `</div>`);
  if (d.identical) out.push(`<p>The two snapshots describe the same device state and RAM contents.</p>`);
  if (d.sections.changed.length > 0) {
    const indexOf = new Map(a.states.map((x, i) => [`${x.name}\u0000${x.instance}`, i]));
    out.push(
      `<h3>Changed sections</h3><table class="changed-sections"><thead><tr><th>name</th><th>instance</th><th>version</th><th>fields changed</th><th>first changes</th></tr></thead><tbody>`,
    );
    for (const c of d.sections.changed) {
      const first =
        c.fields
          .slice(0, 3)
          .map((f) => esc(f.path || "(contents)"))
          .join(", ") + (c.fields.length + c.moreFields > 3 ? ", …" : "");
      out.push(
        `<tr class="changed"><td><a href="#dev-${indexOf.get(`${c.name}\u0000${c.instance}`) ?? 0}">${esc(c.name)}</a></td><td>${esc(String(c.instance))}</td><td>${c.versionChanged ? `${esc(String(c.version.a))} → ${esc(String(c.version.b))}` : esc(String(c.version.a))}</td><td class="num">${c.fields.length + c.moreFields}</td><td>${first}</td></tr>`,
      );
    }
    out.push(`</tbody></table>`);
  }
  const only = (list: readonly { name: string; instance: number | string }[], tag: string) =>
    list.length > 0 ? `<h3>Only in ${tag}</h3><ul>${list.map((x) => `<li>${esc(x.name)} (instance ${esc(String(x.instance))})</li>`).join("")}</ul>` : "";
  out.push(only(d.sections.onlyInA, "A"), only(d.sections.onlyInB, "B"));
  out.push(
    only(
      d.ram.onlyInA.map((r) => ({ name: `RAM block ${r.name}`, instance: 0 })),
      "A (RAM)",
    ),
    only(
      d.ram.onlyInB.map((r) => ({ name: `RAM block ${r.name}`, instance: 0 })),
      "B (RAM)",
    ),
  );
  out.push(`</section>`);
  return out.join("");
}
