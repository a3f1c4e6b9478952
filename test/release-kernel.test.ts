// The student kit in the real Jupyter kernel and in a browser: an edit to lib/ shows when the notebook is
// re-run in the same kernel, and a saved executed notebook opened untrusted in classic Notebook (headless
// Chromium) shows every figure. Each skips only when the machine lacks Jupyter, Chromium or the data.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { buildStudentKit } from "../grading/release";
import { findStubs } from "../grading/stubs";
import { kitKernel } from "../lib/notebook/kit";
import { CHROMIUM_FLAGS, findChromium } from "../lib/plot/png";
import { solvedSource } from "./grading-submissions";
import { realDataDir } from "./helpers/data-dir";
import { startNotebookServer } from "./helpers/notebook-server";

const ROOT = resolve(__dirname, "..");
const PYTHON = "/usr/bin/python3";

function hasJupyter(): boolean {
  return spawnSync(PYTHON, ["-c", "import jupyter_client, nbformat"]).status === 0;
}

/** The solution of every stub `keep` accepts, written over the kit's file. */
function fill(kit: string, keep: (what: string) => boolean): void {
  for (const file of new Set(findStubs(kit).map((s) => s.file)))
    writeFileSync(join(kit, file), solvedSource(file, keep));
}

/** Runs cells one after another in one kernel of the kit (its shipped kernelspec); returns each cell's stdout. */
const KERNEL_SCRIPT = `
import json, os, sys, jupyter_client
kit, steps, kernel = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
km = jupyter_client.KernelManager(kernel_name=kernel)
km.start_kernel(cwd=kit)
kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=120)
outputs = []
try:
    for step in steps:
        if step.get("copy"):
            src, dst = step["copy"]
            with open(src) as f: text = f.read()
            with open(os.path.join(kit, dst), "w") as f: f.write(text)
            continue
        chunks = []
        kc.execute_interactive(step["code"], timeout=300, output_hook=lambda m: chunks.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
        outputs.append("".join(chunks))
finally:
    kc.stop_channels(); km.shutdown_kernel(now=True)
print(json.dumps(outputs))
`;

describe("the student kit in the kernel and the browser", function () {
  this.timeout(900000);
  const tmp = mkdtempSync(join(tmpdir(), "tsdl-kit-kernel-"));
  const kit = join(tmp, "kit");
  before(() => {
    buildStudentKit(kit);
    symlinkSync(join(ROOT, "node_modules"), join(kit, "node_modules"));
  });

  it("re-running a notebook's cells after an edit to lib/ shows the edit", function () {
    if (!hasJupyter()) this.skip();
    const filled = join(tmp, "value-filled.ts");
    const file = "lib/autodiff/value.ts";
    writeFileSync(
      filled,
      solvedSource(file, (w) => w.startsWith("Value.")),
    );
    const cell = 'import { check } from "./grading/notebook-check";\ncheck("Value");';
    const steps = [{ code: 'import { Value } from "./lib/index";' }, { code: cell }, { copy: [filled, file] }];
    steps.push({ code: 'import { Value } from "./lib/index";' }, { code: cell });
    const r = spawnSync(PYTHON, ["-c", KERNEL_SCRIPT, kit, JSON.stringify(steps), kitKernel(kit).name], {
      encoding: "utf8",
      env: { ...process.env, JUPYTER_PATH: join(kit, "jupyter") },
      timeout: 600000,
    });
    expect(r.status, r.stderr).to.equal(0);
    const outputs = JSON.parse(r.stdout.trim().split("\n").pop()!) as string[];
    expect(outputs[1]).to.match(/^NOT YET {2}Value/);
    expect(outputs[3]).to.match(/^PASSED {2}Value/);
  });

  it("a saved executed notebook opened untrusted shows every figure", async function () {
    const dataDir = realDataDir();
    const browserPath = findChromium();
    const notebookServer = spawnSync("jupyter", ["notebook", "--version"]).status === 0;
    if (
      dataDir === null ||
      browserPath === null ||
      !notebookServer ||
      !existsSync(join(dataDir, "cifar-10-batches-bin"))
    )
      this.skip();
    fill(kit, (w) => w.startsWith("Conv2d.forward"));
    const served = join(tmp, "served");
    mkdirSync(served);
    const run = spawnSync(
      process.execPath,
      ["scripts/run-notebooks.js", "--quick", "--out", served, "notebooks/04-convolution-blur.ipynb"],
      { cwd: kit, encoding: "utf8", env: { ...process.env, TSDL_DATA: dataDir! }, timeout: 600000 },
    );
    expect(run.status, `${run.stdout}${run.stderr}`).to.equal(0);
    const saved = JSON.parse(readFileSync(join(served, "04-convolution-blur.ipynb"), "utf8")) as {
      cells: { outputs?: { output_type: string; data?: Record<string, unknown> }[] }[];
    };
    const figures = saved.cells
      .flatMap((c) => c.outputs ?? [])
      .filter((o) => o.data?.["application/vnd.plotly.v1+json"] !== undefined);
    expect(figures.length).to.be.above(0);
    // Untrusted, only a static rendition can show: every figure must carry one.
    const withPicture = figures.filter(
      (f) => f.data!["image/svg+xml"] !== undefined || f.data!["image/png"] !== undefined,
    );
    expect(withPicture.length, "figures with a static picture").to.equal(figures.length);

    // A fresh Jupyter data directory holds no notebook signatures: the saved notebook opens untrusted.
    const server = await startNotebookServer(served);
    try {
      const browser = await chromium.launch({
        executablePath: browserPath!,
        args: [...CHROMIUM_FLAGS],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
        await page.goto(server.url("/notebooks/04-convolution-blur.ipynb"));
        await page.waitForSelector(".code_cell", { timeout: 120000 });
        // No kernel is needed to look at saved outputs: dismiss the kernel chooser if it asks.
        await page
          .getByRole("button", { name: "Continue Without Kernel" })
          .click({ timeout: 10000 })
          .catch(() => undefined);
        await page.waitForTimeout(3000);
        // Page scripts as strings: this file is compiled without the DOM's types.
        const trusted = await page.evaluate<boolean>("Jupyter.notebook.trusted");
        expect(trusted, "the notebook opened untrusted").to.equal(false);
        // Every figure shows as an image of real size (a static rendition; untrusted, no script runs).
        const shown = await page.evaluate<number>(
          `Array.from(document.querySelectorAll(".output_subarea img, .output_subarea svg"))
             .filter((e) => e.getBoundingClientRect().width > 50 && e.getBoundingClientRect().height > 50).length`,
        );
        const artifacts = join(ROOT, "artifacts");
        mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: join(artifacts, "kit-untrusted-notebook.png"), fullPage: true });
        expect(shown, "figures visible").to.be.at.least(figures.length);
      } finally {
        await browser.close();
      }
    } finally {
      server.stop();
    }
    cpSync(join(served, "04-convolution-blur.ipynb"), join(ROOT, "artifacts", "kit-executed-04.ipynb"));
  });
});
