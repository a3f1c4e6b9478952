// Opens an assignment notebook in classic Jupyter Notebook (Debian's notebook 6) in headless
// Chromium, runs all cells through the kit's kernel in quick mode, and checks that the figures
// rendered offline. Keeps a screenshot as a CI artifact.
//   npx tsx .ci/notebook-browser.ts [notebooks/04-convolution-blur.ipynb] [--out artifacts]
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { chromium } from "playwright-core";
import { installKernel } from "../scripts/install-kernel";
import { CHROMIUM_FLAGS, findChromium } from "../lib/plot/png";

const ROOT = resolve(__dirname, "..");

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

async function waitForServer(url: string, server: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (server.exitCode !== null) throw new Error(`jupyter notebook exited with ${server.exitCode}:\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`jupyter notebook did not start:\n${log()}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outAt = args.indexOf("--out");
  const outDir = resolve(outAt >= 0 ? args[outAt + 1]! : join(ROOT, "artifacts"));
  const notebook = resolve(
    args.find((a, i) => !a.startsWith("--") && i !== outAt + 1) ?? join(ROOT, "notebooks", "04-convolution-blur.ipynb"),
  );
  const browserPath = findChromium();
  if (browserPath === null) throw new Error("Chromium not found (apt-get install chromium)");
  mkdirSync(outDir, { recursive: true });
  const jupyterPath = mkdtempSync(join(tmpdir(), "tsdl-jupyter-"));
  installKernel(jupyterPath, ROOT);
  const port = await freePort();
  const token = `tsdl${Date.now()}`;
  let serverLog = "";
  const server = spawn(
    "jupyter",
    [
      "notebook",
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      `--NotebookApp.token=${token}`,
      `--notebook-dir=${ROOT}`,
      ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
    ],
    {
      env: {
        ...process.env,
        JUPYTER_PATH: jupyterPath,
        TSDL_QUICK: "1",
        JUPYTER_CONFIG_DIR: join(jupyterPath, "config"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  server.stdout!.on("data", (d: Buffer) => (serverLog += d.toString()));
  server.stderr!.on("data", (d: Buffer) => (serverLog += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForServer(`${base}/api?token=${token}`, server, () => serverLog);
    const browser = await chromium.launch({
      executablePath: browserPath,
      args: [...CHROMIUM_FLAGS],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      const path = relative(ROOT, notebook).split("\\").join("/");
      await page.goto(`${base}/notebooks/${path}?token=${token}`);
      await page.waitForFunction(
        () => {
          const j = (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean } } } })
            .Jupyter;
          return j?.notebook?.kernel?.is_connected() === true;
        },
        undefined,
        { timeout: 120000 },
      );
      const started = Date.now();
      await page.evaluate(() =>
        (
          window as unknown as { Jupyter: { notebook: { execute_all_cells(): void } } }
        ).Jupyter.notebook.execute_all_cells(),
      );
      // Done when every code cell has a number (not "*") and the kernel is idle.
      await page.waitForFunction(
        () => {
          const prompts = Array.from(document.querySelectorAll(".code_cell .input_prompt"));
          const busy = document.querySelector("#kernel_indicator_icon.kernel_busy_icon") !== null;
          return !busy && prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p.textContent ?? ""));
        },
        undefined,
        { timeout: 300000, polling: 500 },
      );
      const seconds = (Date.now() - started) / 1000;
      await page.waitForSelector(".output_area .js-plotly-plot .main-svg", { timeout: 30000 });
      const report = await page.evaluate(() => ({
        plots: document.querySelectorAll(".output_area .js-plotly-plot").length,
        images: document.querySelectorAll(
          ".output_area .js-plotly-plot .layer-above image, .output_area .js-plotly-plot image",
        ).length,
        stderr: Array.from(document.querySelectorAll(".output_stderr"))
          .map((e) => e.textContent ?? "")
          .filter((t) => /Error/.test(t)),
        cells: document.querySelectorAll(".code_cell").length,
      }));
      await page.screenshot({ path: join(outDir, "notebook-browser.png"), fullPage: true });
      const plot = page.locator(".output_area .js-plotly-plot").first();
      await plot.screenshot({ path: join(outDir, "notebook-browser-plot.png") });
      console.log(
        `${path}: ${report.cells} code cells ran in classic Notebook in ${seconds.toFixed(1)} s; ${report.plots} plot(s) rendered with ${report.images} image layer(s)`,
      );
      console.log(`screenshots: ${join(outDir, "notebook-browser.png")}, ${join(outDir, "notebook-browser-plot.png")}`);
      if (report.stderr.length > 0) throw new Error(`errors in cell outputs:\n${report.stderr.join("\n")}`);
      if (report.plots === 0) throw new Error("no plot rendered");
      if (pageErrors.length > 0) console.log(`page errors (not fatal): ${pageErrors.join("; ")}`);
    } finally {
      await browser.close();
    }
  } finally {
    server.kill("SIGTERM");
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`notebook browser check failed: ${e.message}`);
    process.exit(1);
  },
);
