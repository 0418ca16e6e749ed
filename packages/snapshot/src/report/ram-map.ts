/**
 * RAM pictures for the report, bounded in size whatever the RAM: a block of
 * P pages is drawn as at most `maxCells` cells of N = ceil(P / maxCells)
 * pages each, run-length encoded.
 *
 * - Kind maps: a cell takes the kind most of its pages were last sent as
 *   (never sent, zero, full, XBZRLE); ties go to the later kind in that list.
 * - Change maps: a cell is "changed" when any of its pages differs, "outside"
 *   when all of its pages lie beyond the end of the shorter block, else "same".
 */
import { pageDiffers } from "../diff/diff.js";
import { PAGE_KIND_NAMES, type RamBlockSummary } from "../diff/summary.js";

export const DEFAULT_MAX_CELLS = 16384;

export const CHANGE_SAME = 0;
export const CHANGE_CHANGED = 1;
export const CHANGE_OUTSIDE = 2;
export const CHANGE_NAMES = ["same", "changed", "outside"] as const;

export interface CellMap {
  /** Pages in the block. */
  readonly pages: number;
  /** Pages per cell (N). */
  readonly pagesPerCell: number;
  readonly cells: number;
  /** Run-length encoded cell values: value, count, value, count, ... */
  readonly rle: readonly number[];
  /** Cells per value (kind or change state), for legends and captions. */
  readonly counts: readonly number[];
}

function pagesPerCell(pages: number, maxCells: number): number {
  return Math.max(1, Math.ceil(pages / Math.max(1, maxCells)));
}

function encode(values: ArrayLike<number>, cells: number, width: number, pages: number, n: number): CellMap {
  const rle: number[] = [];
  const counts = new Array<number>(width).fill(0);
  for (let i = 0; i < cells; i++) {
    const v = values[i]!;
    counts[v]!++;
    if (rle.length > 0 && rle[rle.length - 2] === v) rle[rle.length - 1]!++;
    else rle.push(v, 1);
  }
  return { pages, pagesPerCell: n, cells, rle, counts };
}

/** The block's pages by last kind, downsampled by dominant kind. */
export function kindMap(block: RamBlockSummary, maxCells = DEFAULT_MAX_CELLS): CellMap {
  const n = pagesPerCell(block.pages, maxCells);
  const cells = Math.ceil(block.pages / n);
  const values = new Uint8Array(cells);
  const tally = new Uint32Array(PAGE_KIND_NAMES.length);
  for (let c = 0; c < cells; c++) {
    const from = c * n;
    const to = Math.min(block.pages, from + n);
    if (n === 1) {
      values[c] = block.kinds[from]!;
      continue;
    }
    tally.fill(0);
    for (let p = from; p < to; p++) tally[block.kinds[p]!]!++;
    let best = 0;
    for (let k = 1; k < tally.length; k++) if (tally[k]! >= tally[best]!) best = k;
    values[c] = best;
  }
  return encode(values, cells, PAGE_KIND_NAMES.length, block.pages, n);
}

/** Where two versions of a block differ, downsampled: changed if any page of the cell is. */
export function changeMap(a: RamBlockSummary, b: RamBlockSummary, maxCells = DEFAULT_MAX_CELLS): CellMap {
  const pages = Math.max(a.pages, b.pages);
  const shorter = Math.min(a.pages, b.pages);
  const n = pagesPerCell(pages, maxCells);
  const cells = Math.ceil(pages / n);
  const values = new Uint8Array(cells);
  for (let c = 0; c < cells; c++) {
    const from = c * n;
    const to = Math.min(pages, from + n);
    let v = from >= shorter && a.pages !== b.pages ? CHANGE_OUTSIDE : CHANGE_SAME;
    for (let p = from; p < to; p++) {
      if (pageDiffers(a, b, p)) {
        v = from >= shorter && a.pages !== b.pages ? CHANGE_OUTSIDE : CHANGE_CHANGED;
        break;
      }
    }
    values[c] = v;
  }
  return encode(values, cells, CHANGE_NAMES.length, pages, n);
}
