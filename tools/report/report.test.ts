/**
 * `qber report` in a real browser: reports of a real QEMU 7.2 capture (one
 * file, with zero, full and XBZRLE pages), of a machine with add-on devices
 * (long register arrays folded, and unfolded by a click) and of two captures
 * (the diff view) are opened in headless Chromium, offline; the section
 * table, the device tree and the RAM maps are checked as rendered (the
 * canvases' pixels, by colour), and screenshots are saved under artifacts/.
 *
 * Needs /usr/bin/chromium (Debian's package) and playwright-core: under
 * CI=true their absence fails; elsewhere the tests are skipped loudly.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRegistry } from "@qber/devices";
import { openFile, readAsBer } from "@qber/qemu/input";
import { type SnapshotSummary, diffSummaries, summarizeSnapshot } from "@qber/snapshot/diff";
import { CHANGE_COLOURS, KIND_COLOURS, type ReportFile, renderReport } from "@qber/snapshot/report";
import { requireOracle } from "../oracles/require.js";
import { type BrowserContext, type Page, chromiumAvailability, countColours, launch, loadPlaywright, rgb } from "./browser.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = (name: string) => join(root, "fixtures/qemu-7.2", name);
const artifacts = join(root, "artifacts");

const { playwright, availability } = await loadPlaywright();
const ready = requireOracle("chromium", chromiumAvailability()) && requireOracle("playwright-core", availability);

async function reportFile(path: string): Promise<ReportFile> {
  const input = await openFile(path);
  const summary = await readAsBer(input, (source) => summarizeSnapshot(source, { registry: defaultRegistry }), { registry: defaultRegistry });
  return { name: path.slice(root.length), summary, format: input.format, ...(input.size !== undefined ? { size: input.size } : {}) };
}

describe.skipIf(!ready)("qber report in headless Chromium", () => {
  let context: BrowserContext;
  let close: () => Promise<void>;
  const outside: string[] = [];
  const dir = join(tmpdir(), `qber-report-${process.pid}`);

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    mkdirSync(artifacts, { recursive: true });
    ({ context, close } = await launch(playwright!));
    // Nothing but the file itself may load: record and refuse anything else.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      outside.push(url);
      return route.abort();
    });
  });
  afterAll(async () => {
    await close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(html: string, name: string): Promise<{ page: Page; errors: string[] }> {
    const path = join(dir, name);
    writeFileSync(path, html);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(pathToFileURL(path).href, { waitUntil: "load" });
    return { page, errors };
  }

  it("one capture: section table, device tree, RAM maps coloured by page kind", async () => {
    const file = await reportFile(fixture("pc-xbzrle-live.mig"));
    const s: SnapshotSummary = file.summary;
    const html = renderReport(file);
    expect(html).not.toMatch(/https?:\/\//);
    const { page, errors } = await open(html, "single.html");

    await expect(page.title()).resolves.toBe("qber report: fixtures/qemu-7.2/pc-xbzrle-live.mig");
    // Section table: one row per section, as inspect lists them.
    expect(await page.locator("#sections-a tbody tr").count()).toBe(s.sections.length);
    expect(await page.locator("#sections-a tbody tr", { hasText: "qemu:vmdesc" }).count()).toBe(1);
    const cpuRow = page.locator("#sections-a tbody tr").filter({ has: page.locator("td:nth-child(3)", { hasText: /^cpu$/ }) });
    expect(await cpuRow.locator("td").allTextContents()).toEqual([
      expect.any(String),
      "5",
      "cpu",
      "0",
      "12",
      "device",
      expect.any(String),
      "plugin (@qber/devices:cpu)",
    ]);

    // Device tree: a node per compared section; collapsed until opened.
    expect(await page.locator("details.device").count()).toBe(s.states.length);
    const cpu = page.locator('details.device[data-name="cpu"]');
    expect(await cpu.count()).toBe(1);
    const eip = cpu.locator('li.leaf[data-path="eip"]');
    expect(await eip.isVisible()).toBe(false);
    await cpu.locator("summary").first().click();
    expect(await eip.isVisible()).toBe(true);
    expect(await eip.textContent()).toMatch(/^eip: "\d+"$/);
    const segs = cpu.locator('details.node[data-path="segs"]');
    await segs.locator("summary").first().click();
    expect(await segs.locator(":scope > ul > li").count()).toBe(6);
    await page.click('button[data-expand="all"]');
    expect(await page.locator('li.leaf[data-path="segs[5].limit"]').first().isVisible()).toBe(true);
    await page.click('button[data-expand="none"]');

    // RAM: a canvas per block, legend of the four kinds.
    expect(await page.locator('ul.legend[data-legend="kinds"] li').allTextContents()).toEqual(["never sent", "zero page", "full page", "XBZRLE page"]);
    expect(await page.locator("canvas.ram-map").count()).toBe(s.ram.length);
    const ram = await countColours(page, 'figure[data-block="pc.ram"] canvas');
    const pcRam = s.ram.find((b) => b.name === "pc.ram")!;
    // 8192 pages, one 4x4-pixel cell each, every pixel painted.
    expect(ram.blank ?? 0).toBe(0);
    const pixels = (kind: number) => Array.from(pcRam.kinds).filter((k) => k === kind).length * 16;
    expect(ram[rgb(KIND_COLOURS.zero)]).toBe(pixels(1));
    expect(ram[rgb(KIND_COLOURS.full)]).toBe(pixels(2));
    expect(ram[rgb(KIND_COLOURS.xbzrle)]).toBe(pixels(3));
    expect(ram[rgb(KIND_COLOURS.zero)]).toBeGreaterThan(0);
    expect(ram[rgb(KIND_COLOURS.full)]).toBeGreaterThan(0);
    expect(ram[rgb(KIND_COLOURS.xbzrle)]).toBeGreaterThan(0);
    // A one-page block is one 8x8 full-page cell.
    expect(await countColours(page, 'figure[data-block="/rom@etc/acpi/rsdp"] canvas')).toEqual({ [rgb(KIND_COLOURS.full)]: 64 });
    // Hovering a cell names its pages.
    await page.locator('figure[data-block="pc.ram"] canvas').hover({ position: { x: 2, y: 2 } });
    expect(await page.locator('figure[data-block="pc.ram"] canvas').getAttribute("title")).toMatch(/^offset 0x0: (zero|full|XBZRLE) page$/);

    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(artifacts, "report-pc-xbzrle-live.png"), fullPage: true });
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  });

  it("add-on devices: long arrays folded (first and last entries, N more) and unfolded in the page; under 1 MB", async () => {
    const file = await reportFile(fixture("pc-addons.mig"));
    const html = renderReport(file);
    // Every one of e1000's 32,768 MAC registers used to be a list item: 7.1 MB.
    expect(Buffer.byteLength(html)).toBeLessThan(1024 * 1024);
    const { page, errors } = await open(html, "addons.html");

    // The RAM map is intact: pc.ram painted cell by cell in the kinds of its pages.
    const pcRam = file.summary.ram.find((b) => b.name === "pc.ram")!;
    const ram = await countColours(page, 'figure[data-block="pc.ram"] canvas');
    expect(ram.blank ?? 0).toBe(0);
    const cellPixels = pcRam.pages <= 2048 ? 64 : 16;
    expect(Object.values(ram).reduce((n, x) => n + x, 0)).toBe(Math.ceil(pcRam.pages / Math.max(1, Math.ceil(pcRam.pages / 16384))) * cellPixels);

    const e1000 = file.summary.states.find((x) => x.name.endsWith("/e1000"))!;
    const macReg = (e1000.fields as { full_mac_state: { mac_reg: number[] } }).full_mac_state.mac_reg;
    expect(macReg).toHaveLength(32768);
    const dev = page.locator(`details.device[data-name="${e1000.name}"]`);
    await dev.locator("summary").first().click();
    const node = dev.locator('details.node[data-path="full_mac_state.mac_reg"]');
    expect(await node.locator(":scope > summary .count").textContent()).toBe("[32768]");
    await dev.locator('details.node[data-path="full_mac_state"] > summary').click();
    await node.locator("summary").first().click();
    const items = node.locator(":scope > ul > li");
    // First three, the fold, last three.
    expect(await items.count()).toBe(7);
    const fold = node.locator(":scope > ul > li.more > button");
    expect(await fold.textContent()).toBe("… 32,762 more");
    expect(await items.nth(0).getAttribute("data-path")).toBe("full_mac_state.mac_reg[0]");
    expect(await items.nth(6).getAttribute("data-path")).toBe("full_mac_state.mac_reg[32767]");
    expect(await node.locator('li.leaf[data-path="full_mac_state.mac_reg[1000]"]').count()).toBe(0);

    await node.screenshot({ path: join(artifacts, "report-pc-addons-folded.png") });
    await fold.click();
    await node.locator('li.leaf[data-path="full_mac_state.mac_reg[1000]"]').waitFor();
    expect(await items.count()).toBe(32768);
    expect(await node.locator("li.more").count()).toBe(0);
    // Unfolded entries are in order and read as the ones always shown do.
    expect(await items.nth(3).getAttribute("data-path")).toBe("full_mac_state.mac_reg[3]");
    expect(await items.nth(32764).getAttribute("data-path")).toBe("full_mac_state.mac_reg[32764]");
    const leaf = node.locator('li.leaf[data-path="full_mac_state.mac_reg[1000]"]');
    expect(await leaf.isVisible()).toBe(true);
    expect(await leaf.textContent()).toBe(`[1000]: ${macReg[1000]}`);

    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  });

  it("two captures: the diff view highlights changed devices, fields and RAM pages", async () => {
    const a = await reportFile(fixture("pc-paused.mig"));
    const b = await reportFile(fixture("pc-never-run.mig"));
    const d = diffSummaries(a.summary, b.summary);
    const { page, errors } = await open(renderReport(a, b), "diff.html");

    expect(await page.locator("#verdict").textContent()).toBe("different");
    expect(await page.locator("#sections-a tbody tr").count()).toBe(a.summary.sections.length);
    expect(await page.locator("#sections-b tbody tr").count()).toBe(b.summary.sections.length);
    expect(await page.locator("table.changed-sections tbody tr").count()).toBe(d.sections.changed.length);

    // Changed devices are marked and open; their changed fields show both values.
    expect(await page.locator("details.device.changed").count()).toBe(d.sections.changed.length);
    const cpu = page.locator('details.device.changed[data-name="cpu"]');
    expect(await cpu.getAttribute("open")).not.toBeNull();
    const eip = cpu.locator('li.leaf.changed[data-path="eip"]');
    expect(await eip.isVisible()).toBe(true);
    expect((await eip.textContent())!.replace(/\s+/g, " ")).toBe('eip: "47033" → "65520"');
    expect(await cpu.locator('li.leaf[data-path="regs[0]"]:not(.changed)').count()).toBe(1);
    expect(await page.locator('details.device.same[data-name="pcspk"]').count()).toBe(1);

    // RAM: changed pages in red, one 4x4 cell per page of pc.ram.
    const pcRam = d.ram.blocks.find((x) => x.name === "pc.ram")!;
    const changes = await countColours(page, 'figure[data-block="pc.ram"][data-map-kind="changes"] canvas');
    expect(changes[rgb(CHANGE_COLOURS.changed)]).toBe(pcRam.differentPages * 16);
    expect(changes[rgb(CHANGE_COLOURS.same)]).toBe((8192 - pcRam.differentPages) * 16);
    const bios = await countColours(page, 'figure[data-block="pc.bios"][data-map-kind="changes"] canvas');
    expect(Object.keys(bios)).toEqual([rgb(CHANGE_COLOURS.same)]);
    // Each file's kinds are drawn too: A has full pages in pc.ram, B (never run) only zero pages.
    const kindsA = await countColours(page, 'figure[data-block="pc.ram"][data-file="a"] canvas');
    const kindsB = await countColours(page, 'figure[data-block="pc.ram"][data-file="b"] canvas');
    expect(kindsA[rgb(KIND_COLOURS.full)]).toBe(61 * 16);
    expect(kindsB).toEqual({ [rgb(KIND_COLOURS.zero)]: 8192 * 16 });

    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(artifacts, "report-diff-pc-paused-vs-never-run.png"), fullPage: true });
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  });
});
