// Classic Jupyter Notebook (Debian's notebook 6) in headless Chromium, with the kit's kernel:
// 1. Saved executed notebooks opened untrusted (a fresh Jupyter data directory, so nothing is
//    signed) show every figure: the sanitizer drops the scripts, and each figure's static picture
//    must still be there, checked by its pixels, not only its DOM.
// 2. A notebook run live draws interactive figures; after a page reload (plotly.js gone from the
//    page, the kernel still alive) re-running a plotting cell draws an interactive figure again.
// Screenshots go to the output folder (artifacts/ in CI).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM_FLAGS, findChromium } from "../lib/plot/png";
import { installKernel } from "../scripts/install-kernel";
import { fail, parseCommandLine } from "../scripts/cli";
import { startNotebookServer, type NotebookServer } from "../test/helpers/notebook-server";
import { decodePng, inkFraction } from "../test/helpers/png";

const ROOT = resolve(__dirname, "..");

const USAGE = `usage: npx tsx .ci/notebook-browser.ts [--out DIR] [--executed DIR] [--live NOTEBOOK] [NOTEBOOK ...]

Checks the kit's notebooks in classic Jupyter Notebook 6 in headless Chromium.

  --out DIR        where screenshots go (default artifacts/)
  --executed DIR   saved executed notebooks to open untrusted (e.g. nbclient's); without it the
                   NOTEBOOKs (default: all) are executed first in quick mode by the headless runner
  --live NOTEBOOK  the notebook run live, then reloaded (default notebooks/04-convolution-blur.ipynb)
  -h, --help       show this help`;

interface Settings {
  out: string;
  executed: string | null;
  live: string;
  notebooks: string[];
}

function settings(): Settings {
  return parseCommandLine({ command: "npx tsx .ci/notebook-browser.ts", usage: USAGE }, (args) => {
    const { values, positionals } = parseArgs({
      args,
      options: { out: { type: "string" }, executed: { type: "string" }, live: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
    for (const f of positionals) if (!f.endsWith(".ipynb")) fail(`${f} is not a notebook`);
    return {
      out: resolve(values.out ?? join(ROOT, "artifacts")),
      executed: values.executed === undefined ? null : resolve(values.executed),
      live: resolve(values.live ?? join(ROOT, "notebooks", "04-convolution-blur.ipynb")),
      notebooks: positionals.map((f) => resolve(f)),
    };
  });
}

/** Starts Notebook 6 on `root` (untrusted, quick mode) with the kit's kernel installed in a fresh Jupyter path. */
async function startNotebook(root: string): Promise<NotebookServer> {
  const path = mkdtempSync(join(tmpdir(), "tsdl-jupyter-path-"));
  installKernel(path);
  return startNotebookServer(root, { TSDL_QUICK: "1", JUPYTER_PATH: path });
}

/** Opens a notebook and waits until Notebook 6 has rendered it and connected its kernel. */
async function openNotebook(page: Page, server: NotebookServer, name: string): Promise<void> {
  await page.goto(server.url(`/notebooks/${name.split("/").map(encodeURIComponent).join("/")}`));
  await page.waitForFunction(
    "window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()",
    undefined,
    { timeout: 120000 },
  );
}

interface FigureOutput {
  cell: number;
  kind: "figure" | "picture";
}

/** The figures (Plotly bundles) and other pictures (SVG-only bundles) a saved notebook holds. */
function savedFigures(file: string): FigureOutput[] {
  const nb = JSON.parse(readFileSync(file, "utf8")) as {
    cells: { cell_type: string; outputs?: { data?: Record<string, unknown> }[] }[];
  };
  return nb.cells.flatMap((c, cell) =>
    (c.outputs ?? []).flatMap((o): FigureOutput[] =>
      o.data?.["application/vnd.plotly.v1+json"] !== undefined
        ? [{ cell, kind: "figure" }]
        : o.data?.["image/svg+xml"] !== undefined
          ? [{ cell, kind: "picture" }]
          : [],
    ),
  );
}

/** Checks that a screenshot shows a drawing: enough ink, and more than two colours. */
function checkPixels(png: Buffer, what: string): { ink: number; colours: number } {
  const img = decodePng(png);
  const colours = new Set<number>();
  for (let i = 0; i < img.rgba.length; i += 4)
    colours.add((img.rgba[i]! >> 4) | ((img.rgba[i + 1]! >> 4) << 4) | ((img.rgba[i + 2]! >> 4) << 8));
  const ink = inkFraction(img);
  if (img.width < 100 || img.height < 50) throw new Error(`${what}: only ${img.width}x${img.height} pixels`);
  if (ink < 0.01 || colours.size < 3)
    throw new Error(`${what}: looks blank (ink ${ink.toFixed(3)}, ${colours.size} colours)`);
  return { ink, colours: colours.size };
}

/** The whole notebook in one picture (Notebook 6 scrolls inside #site, which a page screenshot misses). */
async function fullNotebookScreenshot(page: Page, path: string): Promise<void> {
  await page.addStyleTag({ content: "html, body, #site { height: auto !important; overflow: visible !important; }" });
  await page.screenshot({ path, fullPage: true });
  await page.addStyleTag({ content: "#site { height: calc(100vh - 100px) !important; overflow: auto !important; }" });
}

async function checkUntrusted(page: Page, server: NotebookServer, dir: string, out: string): Promise<string[]> {
  const lines: string[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()) {
    const expected = savedFigures(join(dir, name));
    await openNotebook(page, server, `executed/${name}`);
    if ((await page.evaluate("Jupyter.notebook.trusted")) !== false) throw new Error(`${name} opened trusted`);
    const pictures = page.locator('.output_html img[src^="data:image/svg+xml"]');
    if ((await pictures.count()) !== expected.length)
      throw new Error(`${name}: ${await pictures.count()} pictures shown, ${expected.length} in the saved outputs`);
    if ((await page.locator(".tsdl-plot").count()) > 0)
      throw new Error(`${name}: a script ran in an untrusted notebook`);
    // Images decode asynchronously: wait until each has its pixels.
    await page.waitForFunction(
      'Array.from(document.querySelectorAll(".output_html img")).every((i) => i.complete && i.naturalWidth > 0)',
    );
    for (let k = 0; k < expected.length; k++) {
      const img = pictures.nth(k);
      await img.scrollIntoViewIfNeeded();
      const { ink, colours } = checkPixels(await img.screenshot(), `${name} figure ${k + 1}`);
      if (k === 0) await img.screenshot({ path: join(out, `untrusted-${basename(name, ".ipynb")}-figure.png`) });
      lines.push(
        `  ${name} figure ${k + 1} (cell ${expected[k]!.cell + 1}): ${(100 * ink).toFixed(1)}% ink, ${colours} colours`,
      );
    }
    const notes = await page.locator(".tsdl-figure-note").count();
    if (notes !== expected.filter((f) => f.kind === "figure").length) throw new Error(`${name}: ${notes} notes`);
    await fullNotebookScreenshot(page, join(out, `untrusted-${basename(name, ".ipynb")}.png`));
    lines.push(`${name}: untrusted, ${expected.length} figure(s) shown as pictures`);
    await page.evaluate("Jupyter.notebook.kernel.kill()");
  }
  return lines;
}

async function waitIdle(page: Page): Promise<void> {
  // Done when every code cell has a number (not "*") and the kernel is idle.
  await page.waitForFunction(
    `(() => {
      const prompts = Array.from(document.querySelectorAll(".code_cell .input_prompt"));
      const busy = document.querySelector("#kernel_indicator_icon.kernel_busy_icon") !== null;
      return !busy && prompts.length > 0 && prompts.every((p) => /\\[\\d+\\]/.test(p.textContent || "") || /\\[ \\]/.test(p.textContent || ""));
    })()`,
    undefined,
    { timeout: 600000, polling: 500 },
  );
}

async function checkLive(page: Page, server: NotebookServer, name: string, out: string): Promise<string[]> {
  const loaded: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/kernelspecs/")) loaded.push(new URL(r.url()).pathname);
  });
  await openNotebook(page, server, name);
  const started = Date.now();
  await page.evaluate("Jupyter.notebook.execute_all_cells()");
  await waitIdle(page);
  const seconds = (Date.now() - started) / 1000;
  const errors = await page.locator(".output_stderr").allInnerTexts();
  if (errors.some((t) => /Error/.test(t))) throw new Error(`${name}: errors in cell outputs:\n${errors.join("\n")}`);
  await page.waitForSelector(".output_area .tsdl-plot .main-svg", { timeout: 60000 });
  const drawn = await page.locator(".output_area .tsdl-plot.js-plotly-plot").count();
  await fullNotebookScreenshot(page, join(out, "live-notebook.png"));
  // Reload: the page loses window.Plotly; the kernel (and its state) lives on.
  const plottingCell = (await page.evaluate(
    `Jupyter.notebook.get_cells().findIndex((c) => c.cell_type === "code" && /\\bshow\\(/.test(c.get_text()))`,
  )) as number;
  await page.reload();
  await page.waitForFunction(
    "window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()",
    undefined,
    { timeout: 120000 },
  );
  await page.evaluate(
    `Jupyter.notebook.get_cell(${plottingCell}).clear_output(); Jupyter.notebook.get_cell(${plottingCell}).execute()`,
  );
  const cell = page.locator(".cell").nth(plottingCell);
  await cell.locator(".tsdl-plot .main-svg").first().waitFor({ timeout: 120000 });
  const plot = cell.locator(".tsdl-plot").first();
  await plot.scrollIntoViewIfNeeded();
  checkPixels(await plot.screenshot({ path: join(out, "reload-plot.png") }), `${name} after reload`);
  if (loaded.length === 0) throw new Error("plotly.js was never loaded from the kernelspec folder");
  return [
    `${name}: ran live in ${seconds.toFixed(0)} s, ${drawn} interactive figure(s); after a reload, cell ${plottingCell + 1} drew an interactive figure again`,
    `  plotly.js loaded from ${[...new Set(loaded)].join(", ")}`,
  ];
}

async function main(): Promise<void> {
  const s = settings();
  const browserPath = findChromium();
  if (browserPath === null) throw new Error("Chromium not found (apt-get install chromium)");
  mkdirSync(s.out, { recursive: true });
  // The server's root: the executed notebooks (opened untrusted) and a copy of the live one.
  const root = mkdtempSync(join(tmpdir(), "tsdl-browser-root-"));
  const executed = join(root, "executed");
  mkdirSync(executed);
  if (s.executed !== null) {
    for (const f of readdirSync(s.executed).filter((n) => n.endsWith(".ipynb")))
      copyFileSync(join(s.executed, f), join(executed, f));
  } else {
    const notebooks = s.notebooks.length > 0 ? s.notebooks : [];
    const run = spawnSync(
      process.execPath,
      [join(ROOT, "scripts", "run-notebooks.js"), "--quick", "--out", executed, ...notebooks],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    if (run.status !== 0) throw new Error(`the headless run failed:\n${run.stdout}${run.stderr}`);
  }
  const live = `live-${basename(s.live)}`;
  writeFileSync(join(root, live), readFileSync(s.live));
  const server = await startNotebook(root);
  try {
    const browser = await chromium.launch({ executablePath: browserPath, args: [...CHROMIUM_FLAGS] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      const report = await checkUntrusted(page, server, executed, s.out);
      const livePage = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      report.push(...(await checkLive(livePage, server, live, s.out)));
      console.log(report.join("\n"));
      console.log(`screenshots in ${s.out}`);
    } finally {
      await browser.close();
    }
  } finally {
    server.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`notebook browser check failed: ${e.message}`);
    process.exit(1);
  },
);
