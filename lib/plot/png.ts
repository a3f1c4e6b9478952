import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Figure } from "./figure";
import { exportHtml } from "./html";

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

/** Flags for a headless run on a machine without network or GPU. */
export function headlessFlags(userDataDir: string): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    `--user-data-dir=${userDataDir}`,
  ];
}

/** Runs headless Chromium on a file with extra arguments; returns stdout. */
export function runChromium(args: string[], timeoutMs = 60000): string {
  const chromium = findChromium();
  if (chromium === null)
    throw new Error("Chromium not found: apt-get install chromium (or set CHROMIUM to a Chrome binary)");
  const profile = mkdtempSync(join(tmpdir(), "tsdl-chromium-"));
  try {
    return execFileSync(chromium, [...headlessFlags(profile), ...args], {
      timeout: timeoutMs,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Renders a figure to PNG through headless Chromium (the figure's width/height, default 900x500). */
export function exportPng(fig: Figure, path: string): void {
  const width = typeof fig.layout.width === "number" ? fig.layout.width : 900;
  const height = typeof fig.layout.height === "number" ? fig.layout.height : 500;
  const dir = mkdtempSync(join(tmpdir(), "tsdl-png-"));
  try {
    const html = join(dir, "figure.html");
    exportHtml({ ...fig, layout: { ...fig.layout, width, height } }, html, undefined, { displayModeBar: false });
    runChromium([
      `--window-size=${width + 16},${height + 16}`,
      "--virtual-time-budget=10000",
      `--screenshot=${resolve(path)}`,
      `file://${html}`,
    ]);
    if (!existsSync(path)) throw new Error(`exportPng: Chromium did not write ${path}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
