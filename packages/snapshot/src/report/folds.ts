/**
 * Long arrays in the report's device tree are folded: their first and last
 * entries (and, in a diff, every changed one) are shown, and each run of
 * entries in between becomes an "N more" button. A run's HTML — the same
 * markup as the entries shown — is kept in the page gzipped and as base64,
 * and the page's script inflates it in place when the button is pressed
 * (DecompressionStream: no network, no library). An e1000's 32,768 MAC
 * registers cost a few kilobytes instead of 4 MB of list items.
 */
import { gzipSync } from "node:zlib";

/** Arrays with more entries than this are folded. */
export const FOLD_ABOVE = 16;
/** Entries shown at each end of a folded array. */
export const FOLD_KEEP = 3;

/** Whether entry `i` of an array of `n` stays in view: first and last entries of a long array, or one that changed. */
export function keptInView(i: number, n: number, changed: boolean): boolean {
  return n <= FOLD_ABOVE || changed || i < FOLD_KEEP || i >= n - FOLD_KEEP;
}

/** The folded runs of a page; buttons refer to them by index. */
export class Folds {
  readonly list: string[] = [];

  /** A button standing for `hidden` (the list items of `count` entries). */
  button(hidden: string, count: number): string {
    this.list.push(gzipSync(hidden, { level: 9 }).toString("base64"));
    return `<li class="more"><button type="button" class="more" data-fold="${this.list.length - 1}">… ${count.toLocaleString("en-US")} more</button></li>`;
  }
}
