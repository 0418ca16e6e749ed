/**
 * Headless Chromium for the report test: Debian's `chromium` driven by
 * playwright-core (no browser download), offline, with a fresh profile.
 * Both are external oracles: see ../oracles/require.ts for CI behaviour.
 */
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Availability } from "../oracles/require.js";

export const CHROMIUM = process.env.QBER_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

type Playwright = typeof import("playwright-core");
export type { BrowserContext, Page } from "playwright-core";

export async function loadPlaywright(): Promise<{ playwright?: Playwright; availability: Availability }> {
  try {
    const playwright = (await import("playwright-core")) as Playwright;
    return { playwright, availability: true };
  } catch (e) {
    return { availability: { ok: false, reason: `playwright-core cannot be imported (${(e as Error).message.split("\n")[0]}); npm install in tools/` } };
  }
}

export function chromiumAvailability(): Availability {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    return { ok: false, reason: `${CHROMIUM} is missing (apt-get install -y chromium)` };
  }
}

/** A persistent context on a fresh profile directory; `close` removes the profile. */
export async function launch(
  playwright: Playwright,
  viewport = { width: 1280, height: 900 },
): Promise<{ context: import("playwright-core").BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "qber-chromium-"));
  const context = await playwright.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    serviceWorkers: "block",
    acceptDownloads: false,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Counts a canvas's pixels by colour ("r,g,b" of opaque pixels, and "blank" for transparent ones). */
export function countColours(page: import("playwright-core").Page, selector: string): Promise<Record<string, number>> {
  return page.evaluate((sel) => {
    // Runs in the page (this package compiles without the DOM library).
    interface Canvas {
      width: number;
      height: number;
      getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
    }
    const doc = (globalThis as unknown as { document: { querySelector(s: string): Canvas | null } }).document;
    const canvas = doc.querySelector(sel);
    if (!canvas) throw new Error(`no canvas ${sel}`);
    const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    const counts: Record<string, number> = {};
    for (let i = 0; i < data.length; i += 4) {
      const key = data[i + 3] === 0 ? "blank" : `${data[i]},${data[i + 1]},${data[i + 2]}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }, selector);
}

/** "#rrggbb" as the "r,g,b" keys of countColours. */
export function rgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `${(n >> 16) & 255},${(n >> 8) & 255},${n & 255}`;
}
