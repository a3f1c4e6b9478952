import { existsSync, renameSync, rmSync } from "node:fs";
import type { Browser } from "playwright-core";
import type { Figure } from "./figure";
import { figurePage } from "./html";
import { figureSize } from "./svg";

/** Chromium or Chrome on this machine, or null. $CHROMIUM overrides. */
export function findChromium(): string | null {
  const candidates = [
    process.env.CHROMIUM,
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
  ].filter((c): c is string => !!c);
  return candidates.find((c) => existsSync(c)) ?? null;
}

/**
 * Flags for a headless run on a machine without network or GPU, on top of Playwright's own
 * (which adds --headless and a fresh --user-data-dir for every launch).
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
];

/** Runs `use` with a headless Chromium driven by playwright-core, closed afterwards. */
export async function withChromium<T>(use: (browser: Browser) => Promise<T>): Promise<T> {
  const executablePath = findChromium();
  if (executablePath === null)
    throw new Error("Chromium not found: apt-get install chromium (or set CHROMIUM to a Chrome binary)");
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_FLAGS] });
  try {
    return await use(browser);
  } finally {
    await browser.close();
  }
}

/**
 * Renders a figure to a PNG of its size (default 800x450) through headless Chromium and plotly.js,
 * `scale` times the pixels for print (the file is written whole or not at all).
 */
export async function exportPng(fig: Figure, path: string, opts: { scale?: number } = {}): Promise<void> {
  const { width, height } = figureSize(fig);
  const sized: Figure = { ...fig, layout: { ...fig.layout, width, height } };
  const tmp = `${path}.tmp-${process.pid}.png`;
  try {
    await withChromium(async (browser) => {
      const page = await browser.newPage({
        viewport: { width: width + 16, height: height + 16 },
        deviceScaleFactor: opts.scale ?? 1,
      });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.setContent(figurePage(sized, "figure", { displayModeBar: false }), { waitUntil: "load" });
      const plot = page.locator("#figure-0 .tsdl-plot .main-svg").first();
      try {
        await plot.waitFor({ timeout: 30000 });
      } catch {
        throw new Error(`exportPng: plotly.js did not draw the figure${errors.length ? `: ${errors.join("; ")}` : ""}`);
      }
      await page.locator("#figure-0 .tsdl-plot").screenshot({ path: tmp });
    });
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}
