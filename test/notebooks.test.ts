// Every assignment notebook runs headless in quick mode (tslab's executor, as the kernel would),
// and the kernel set-up works: kernelspec, imports tslab can resolve, errors reported by cell.
import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { kernelName, kitKernel } from "../lib/notebook/kit";
import { installKernel, syncKitKernel } from "../scripts/install-kernel";
import { realDataDir } from "./helpers/data-dir";

const ROOT = resolve(__dirname, "..");
const NOTEBOOKS = readdirSync(join(ROOT, "notebooks"))
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

interface Output {
  output_type: string;
  text?: string;
  data?: Record<string, unknown>;
}
interface Cell {
  cell_type: string;
  source: string[];
  outputs?: Output[];
}

function runNotebooks(
  files: string[],
  outDir: string,
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string } {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "scripts", "run-notebooks.js"), "--quick", "--out", outDir, ...files],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ...env },
      timeout: 300000,
    },
  );
  return { status: r.status, stdout: r.stdout + r.stderr };
}

function notebookCell(source: string): Cell {
  return { cell_type: "code", source: [source], outputs: [] };
}

/** Writes an nbformat 4 notebook of these cells. */
function writeNotebook(file: string, cells: unknown[], metadata: Record<string, unknown> = {}): void {
  writeFileSync(file, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata, cells }));
}

/** Files under lib/ for one test (the kernel compiles only files under the kit's root). */
function scratchLib(files: Record<string, string>): { dir: string; name: string; spec: string; remove(): void } {
  const name = `.scratch-${process.pid}-${Date.now().toString(36)}`;
  const dir = join(ROOT, "lib", name);
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return { dir, name, spec: `./lib/${name}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the cells as one notebook with the headless runner; returns the run and the executed cells. */
function runCells(sources: string[]): { status: number | null; stdout: string; cells: Cell[] } {
  const dir = mkdtempSync(join(tmpdir(), "tsdl-cells-"));
  const file = join(dir, "cells.ipynb");
  writeNotebook(
    file,
    sources.map((src) => ({ ...notebookCell(src), metadata: {} })),
  );
  const r = runNotebooks([file], dir);
  return { ...r, cells: (JSON.parse(readFileSync(file, "utf8")) as { cells: Cell[] }).cells };
}

describe("assignment notebooks (headless, quick mode)", function () {
  this.timeout(300000);
  const dataDir = realDataDir();
  const out = mkdtempSync(join(tmpdir(), "tsdl-notebooks-"));

  it("there are the five assignment notebooks, each using the kit's kernel", () => {
    expect(NOTEBOOKS).to.deep.equal([
      "01-linear-classifier.ipynb",
      "02-scalar-backprop.ipynb",
      "03-mlp-modules.ipynb",
      "04-convolution-blur.ipynb",
      "05-cnn-l2.ipynb",
    ]);
    for (const nb of NOTEBOOKS) {
      const json = JSON.parse(readFileSync(join(ROOT, "notebooks", nb), "utf8"));
      expect(json.metadata.kernelspec, nb).to.deep.equal({
        display_name: kitKernel().displayName,
        language: "typescript",
        name: kitKernel().name,
      });
      const outputs = (json.cells as Cell[]).flatMap((c) => c.outputs ?? []);
      expect(outputs, `${nb} is committed without outputs`).to.deep.equal([]);
    }
  });

  for (const nb of NOTEBOOKS) {
    it(`${nb} runs every cell and shows its figures and tables`, function () {
      if (dataDir === null && nb !== "02-scalar-backprop.ipynb") this.skip();
      const r = runNotebooks([join("notebooks", nb)], out, dataDir ? { TSDL_DATA: dataDir } : {});
      expect(r.status, r.stdout).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`${nb.replace(".", "\\.")}: ok`));
      const executed = JSON.parse(readFileSync(join(out, nb), "utf8")) as { cells: Cell[] };
      const outputs = executed.cells.flatMap((c) => c.outputs ?? []);
      const errors = outputs.filter((o) => o.output_type === "stream" && /Error|error TS/.test(o.text ?? ""));
      expect(errors.map((o) => o.text)).to.deep.equal([]);
      // tfjs (notebook 05's teacher) comes through lib/tfjs.ts, which keeps its Node.js banner out.
      expect(outputs.map((o) => o.text ?? "").join("")).not.to.contain("looks like you are running TensorFlow.js");
      const displays = outputs.filter((o) => o.output_type === "display_data");
      expect(displays.length, "tables or figures").to.be.above(0);
      if (nb === "02-scalar-backprop.ipynb") {
        // The graph is drawn (SVG), not printed as Graphviz source.
        expect(displays.some((o) => String(o.data?.["image/svg+xml"] ?? "").startsWith("<svg"))).to.equal(true);
        expect(outputs.filter((o) => /digraph/.test(String(o.text ?? ""))).length).to.equal(0);
      } else {
        const figures = displays.filter((o) => o.data?.["application/vnd.plotly.v1+json"] !== undefined);
        expect(figures.length, "figures").to.be.above(0);
        // Every figure carries its static picture (an SVG, also inside the HTML), and none plotly.js:
        // the page loads that from the kernelspec folder.
        for (const f of figures) {
          expect(String(f.data!["image/svg+xml"])).to.match(/^<svg /);
          expect(String(f.data!["text/html"])).to.match(/<img src="data:image\/svg\+xml;base64,/);
          expect(String(f.data!["text/html"]).length).to.be.below(300_000);
        }
        expect(statSync(join(out, nb)).size, "the executed notebook's size").to.be.below(2_000_000);
      }
    });
  }

  it("notebook code cells are formatted by Prettier; --check names the cells and lines that are not", () => {
    const script = join(ROOT, "scripts", "format-notebooks.js");
    const all = spawnSync(process.execPath, [script, "--check"], { cwd: ROOT, encoding: "utf8" });
    expect(all.status, all.stdout).to.equal(0);
    const dir = mkdtempSync(join(tmpdir(), "tsdl-format-"));
    const file = join(dir, "messy.ipynb");
    const long = `const s = "${"x".repeat(130)}";`;
    const output = { output_type: "stream", name: "stdout", text: ["kept\n"] };
    writeNotebook(file, [
      { cell_type: "markdown", metadata: {}, source: ["const  x=1"] },
      {
        cell_type: "code",
        metadata: {},
        outputs: [output],
        execution_count: 1,
        source: ["const  x={a:1,b:[1,2]}"],
      },
      { cell_type: "code", metadata: {}, outputs: [], execution_count: null, source: [long] },
    ]);
    const check = spawnSync(process.execPath, [script, "--check", file], { encoding: "utf8" });
    expect(check.status).to.equal(1);
    // Prettier moves the string to a line of its own, but cannot split it.
    expect(check.stdout).to.contain("messy.ipynb: cell 3 line 2 has 135 characters (at most 120); split it");
    expect(check.stdout).to.contain("messy.ipynb: code cells 2, 3 are not formatted");
    const fix = spawnSync(process.execPath, [script, file], { encoding: "utf8" });
    expect(fix.status).to.equal(1); // the long string is still there
    const nb = JSON.parse(readFileSync(file, "utf8")) as { cells: (Cell & { source: string[] })[] };
    expect(nb.cells[0]!.source).to.deep.equal(["const  x=1"]);
    expect(nb.cells[1]!.source).to.deep.equal(["const x = { a: 1, b: [1, 2] };"]);
    expect(nb.cells[1]!.outputs).to.deep.equal([output]);
    expect(nb.cells[2]!.source).to.deep.equal(["const s =\n", `  "${"x".repeat(130)}";`]);
  });

  it("a failing cell stops the run and is reported with its number and message", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsdl-bad-nb-"));
    const bad = join(dir, "bad.ipynb");
    writeNotebook(bad, [
      { cell_type: "markdown", source: ["# t"], metadata: {} },
      {
        ...notebookCell('import { Tensor } from "./lib/index";\nconsole.log(Tensor.ones([2]).sumAll());'),
        metadata: {},
      },
      { ...notebookCell("const n: number = 'text';"), metadata: {} },
      { ...notebookCell('console.log("not reached");'), metadata: {} },
    ]);
    const r = runNotebooks([bad], dir);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.match(/bad\.ipynb: cell 3 failed:\n1:7 - Type 'string' is not assignable to type 'number'\./);
    const executed = JSON.parse(readFileSync(join(dir, "bad.ipynb"), "utf8")) as { cells: Cell[] };
    expect(executed.cells[1]!.outputs![0]!.text).to.equal("2\n");
    expect(executed.cells[3]!.outputs).to.deep.equal([]);
    const thrown = join(dir, "throws.ipynb");
    writeNotebook(thrown, [{ ...notebookCell('throw new Error("boom in cell 1")'), metadata: {} }]);
    const t = runNotebooks([thrown], dir);
    expect(t.status).to.equal(1);
    expect(t.stdout).to.match(/throws\.ipynb: cell 1 failed:[\s\S]*Error: boom in cell 1/);
  });

  it("an output updated in place (a progress bar) is saved once, in its last state, even when a later cell updates it", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsdl-update-nb-"));
    const file = join(dir, "update.ipynb");
    const first = [
      'import { displayBundle } from "./lib/notebook/tslab";',
      'displayBundle({ "text/plain": "step 0" }, { displayId: "bar" });',
      'for (let i = 1; i <= 200; i++) displayBundle({ "text/plain": "step " + i }, { displayId: "bar", update: true });',
      'console.log("done");',
    ].join("\n");
    const second =
      'displayBundle({ "text/plain": "final" }, { displayId: "bar", update: true });\nconst other = displayBundle({ "text/plain": "other" });'; // (a bare last expression would be echoed)
    writeNotebook(file, [
      { ...notebookCell(first), metadata: {} },
      { ...notebookCell(second), metadata: {} },
    ]);
    const r = runNotebooks([file], dir);
    expect(r.status, r.stdout).to.equal(0);
    const executed = JSON.parse(readFileSync(join(dir, "update.ipynb"), "utf8")) as { cells: Cell[] };
    const kinds = (c: Cell): unknown[] => c.outputs!.map((o) => [o.output_type, o.data?.["text/plain"] ?? o.text]);
    expect(kinds(executed.cells[0]!)).to.deep.equal([
      ["stream", "done\n"],
      ["display_data", "final"],
    ]);
    expect(kinds(executed.cells[1]!)).to.deep.equal([["display_data", "other"]]);
  });
});

describe("the kernel", function () {
  this.timeout(60000);

  it("picks up an edit to a library file when the import cell runs again", () => {
    // tslab watches the files it compiled and recompiles a changed one on the next import; the kit
    // checks their times before each cell too, so the import right after the edit sees it.
    const dir = mkdtempSync(join(tmpdir(), "tsdl-edit-nb-"));
    const scratch = join(ROOT, "lib", `.scratch-edit-${process.pid}.ts`);
    const spec = `./lib/.scratch-edit-${process.pid}`;
    writeFileSync(scratch, "export const version = 1;\n");
    try {
      const nb = join(dir, "edit.ipynb");
      writeNotebook(nb, [
        { ...notebookCell(`import { version } from "${spec}";\nconsole.log("before", version);`), metadata: {} },
        {
          ...notebookCell(`require("fs").writeFileSync(${JSON.stringify(scratch)}, "export const version = 2;\\n");`),
          metadata: {},
        },
        {
          ...notebookCell(`import { version as again } from "${spec}";\nconsole.log("after", again);`),
          metadata: {},
        },
      ]);
      const r = runNotebooks([nb], dir);
      expect(r.status, r.stdout).to.equal(0);
      const cells = (JSON.parse(readFileSync(join(dir, "edit.ipynb"), "utf8")) as { cells: Cell[] }).cells;
      expect(cells[0]!.outputs![0]!.text).to.equal("before 1\n");
      expect(cells[2]!.outputs![0]!.text).to.equal("after 2\n");
    } finally {
      rmSync(scratch, { force: true });
    }
  });

  it("picks up an edit to a file two imports deep when the import cell runs again, at once", () => {
    // The notebook imports top.ts, which imports mid.ts, which imports deep.ts (as a notebook imports
    // lib/index.ts, which imports lib/layers/linear.ts). tslab recompiled deep.ts but kept serving
    // the cached top and mid, so the edit never showed; modules that do not depend on it stay cached.
    const lib = scratchLib({
      "deep.ts": "export const deep = (): number => 1;\n",
      "mid.ts": 'export { deep } from "./deep";\n',
      "top.ts": 'import { deep } from "./mid";\nexport const viaTop = (): number => 10 * deep();\n',
      "other.ts": "export class Other {}\n",
    });
    try {
      const edit = `require("fs").writeFileSync(${JSON.stringify(join(lib.dir, "deep.ts"))}, "export const deep = (): number => 2;\\n");`;
      const r = runCells([
        `import { viaTop } from "${lib.spec}/top";\nimport { Other } from "${lib.spec}/other";\nconst first = Other;\nconsole.log("before", viaTop());`,
        edit,
        `import { viaTop as again } from "${lib.spec}/top";\nimport { Other as same } from "${lib.spec}/other";\nconsole.log("after", again(), first === same);`,
      ]);
      expect(r.status, r.stdout).to.equal(0);
      expect(r.cells[0]!.outputs![0]!.text).to.equal("before 10\n");
      expect(r.cells[2]!.outputs![0]!.text).to.equal("after 20 true\n");
    } finally {
      lib.remove();
    }
  });

  it("stack traces name the TypeScript file and line of library code and of cells", () => {
    const lib = scratchLib({
      "deep.ts": [
        "// a comment, so the lines differ from the compiled ones",
        "export interface Shape {",
        "  size: number;",
        "}",
        "",
        "export function check(s: Shape): number {",
        "  if (s.size > 2) throw new Error(`too big: ${s.size}`);",
        "  return s.size;",
        "}",
        "",
      ].join("\n"),
    });
    try {
      const r = runCells([
        `import { check, type Shape } from "${lib.spec}/deep";`,
        "interface Box {\n  side: number;\n}\nfunction area(b: Box): number {\n  return check({ size: b.side }) ** 2;\n}",
        "const box: Box = { side: 3 };\nconsole.log(area(box));",
      ]);
      expect(r.status).to.equal(1);
      const trace = r.cells[2]!.outputs!.map((o) => o.text).join("");
      expect(trace).to.contain(
        `Error: too big: 3\n    at check (lib/${lib.name}/deep.ts:7:25)\n    at area (In[2]:5:10)\n    at In[3]:2:13`,
      );
      // The line Node shows above the error is the TypeScript one too.
      expect(trace).to.match(new RegExp(`^lib/${lib.name}/deep\\.ts:7\n  if \\(s\\.size > 2\\) throw new Error`));
      expect(trace).to.not.match(/\.js:\d|evalmachine|tslab[/\\]dist/);
    } finally {
      lib.remove();
    }
  });

  it("through Jupyter (nbclient, the installed kernel): a deep edit shows and a trace names the .ts line", function () {
    const nbclientRun = join(ROOT, ".ci", "nbclient-run.py");
    const python = spawnSync("/usr/bin/python3", ["-c", "import nbclient"]);
    if (python.status !== 0 || !existsSync(nbclientRun)) this.skip();
    const lib = scratchLib({
      "deep.ts":
        "// deep\nexport function deep(n: number): number {\n  if (n > 1) throw new Error(`n = ${n}`);\n  return 1;\n}\n",
      "top.ts": 'import { deep } from "./deep";\nexport const viaTop = (n: number): number => 10 * deep(n);\n',
    });
    try {
      const jupyterPath = mkdtempSync(join(tmpdir(), "tsdl-jupyter-"));
      installKernel(jupyterPath);
      const dir = mkdtempSync(join(tmpdir(), "tsdl-jupyter-nb-"));
      const edit = `require("fs").writeFileSync(${JSON.stringify(join(lib.dir, "deep.ts"))}, "// deep\\nexport function deep(n: number): number {\\n  if (n > 1) throw new Error(\`n = \${n}\`);\\n  return 2;\\n}\\n");`;
      const sources = [
        `import { viaTop } from "${lib.spec}/top";\nconsole.log("before", viaTop(1));`,
        edit,
        `import { viaTop as again } from "${lib.spec}/top";\nconsole.log("after", again(1));`,
        "again(5);",
      ];
      writeNotebook(
        join(dir, "kernel.ipynb"),
        sources.map((src) => ({ ...notebookCell(src), metadata: {} })),
        {
          kernelspec: { name: kitKernel().name, display_name: kitKernel().displayName, language: "typescript" },
        },
      );
      const r = spawnSync("/usr/bin/python3", [nbclientRun, join(dir, "out"), join(dir, "kernel.ipynb")], {
        encoding: "utf8",
        env: { ...process.env, JUPYTER_PATH: jupyterPath },
        timeout: 120000,
      });
      expect(r.status, r.stdout + r.stderr).to.equal(1); // the last cell throws (3 would be the kernel failing)
      const saved = join(dir, "out", "kernel.ipynb");
      expect(existsSync(saved), r.stdout + r.stderr).to.equal(true);
      const cells = (JSON.parse(readFileSync(saved, "utf8")) as { cells: Cell[] }).cells;
      // nbformat saves text as a list of lines.
      const text = (c: Cell): string => c.outputs!.map((o) => [o.text ?? ""].flat().join("")).join("");
      expect(text(cells[0]!)).to.equal("before 10\n");
      expect(text(cells[2]!)).to.equal("after 20\n");
      expect(text(cells[3]!)).to.contain(
        `Error: n = 5\n    at deep (lib/${lib.name}/deep.ts:3:20)\n    at viaTop (lib/${lib.name}/top.ts:2:55)\n    at In[4]:1:1`,
      );
    } finally {
      lib.remove();
    }
  });

  it("lib has only imports that tslab can resolve (file paths, not folders)", () => {
    // tslab's executor resolves a relative import "x" only as "x.js" among the files it compiled:
    // "./autodiff" for a folder with an index.ts works under tsx but fails in the kernel.
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith(".ts")) files.push(join(d, e.name));
      }
    };
    walk(join(ROOT, "lib"));
    const bad: string[] = [];
    for (const f of files) {
      for (const m of readFileSync(f, "utf8").matchAll(
        /^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"|^\s*import\s+"(\.[^"]+)"/gm,
      )) {
        const spec = m[1] ?? m[2]!;
        if (!existsSync(resolve(dirname(f), `${spec}.ts`))) bad.push(`${relative(ROOT, f)}: "${spec}"`);
      }
    }
    expect(bad).to.deep.equal([]);
  });

  it("installs a kernelspec named after the kit that starts tslab from the project root", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsdl-kernel-"));
    execFileSync(
      process.execPath,
      [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "scripts", "install-kernel.ts"), "--dir", dir],
      { cwd: ROOT },
    );
    const installed = join(dir, "kernels", kitKernel().name);
    const spec = JSON.parse(readFileSync(join(installed, "kernel.json"), "utf8"));
    expect(spec.argv).to.deep.equal([
      process.execPath,
      join(ROOT, "scripts", "kernel.js"),
      "--config-path",
      "{connection_file}",
    ]);
    expect(spec.language).to.equal("typescript");
    expect(spec.display_name).to.equal(kitKernel().displayName);
    // Figures load plotly.js from here when the page lacks it (Jupyter serves a kernelspec's files).
    expect(readFileSync(join(installed, "plotly.min.js"))).to.deep.equal(
      readFileSync(join(ROOT, "node_modules", "plotly.js-dist-min", "plotly.min.js")),
    );
    const usage = spawnSync(process.execPath, [join(ROOT, "scripts", "kernel.js")], { encoding: "utf8" });
    expect(usage.status).to.equal(2);
    expect(usage.stderr).to.match(/expected --config-path CONNECTION_FILE/);
  });

  it("the kernelspec shipped in jupyter/ has the kit's name and serves plotly.js", () => {
    expect(readdirSync(join(ROOT, "jupyter", "kernels"))).to.deep.equal([kitKernel().name]);
    const shipped = join(ROOT, "jupyter", "kernels", kitKernel().name);
    const spec = JSON.parse(readFileSync(join(shipped, "kernel.json"), "utf8"));
    expect(spec.display_name).to.equal(kitKernel().displayName);
    expect(statSync(join(shipped, "plotly.min.js")).size).to.be.above(4_000_000);
  });

  it("kernels are named per kit: a student kit's name renames its kernelspec and notebooks' metadata", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string };
    expect(kitKernel()).to.deep.equal({ name: pkg.name, displayName: `TypeScript (${pkg.name})` });
    expect(kernelName("@Uni/Deep Learning Kit")).to.equal("uni-deep-learning-kit");
    expect(() => kernelName("@/")).to.throw(/gives no usable kernel name/);
    const kit = mkdtempSync(join(tmpdir(), "tsdl-kit-"));
    cpSync(join(ROOT, "jupyter"), join(kit, "jupyter"), { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(kit, "notebooks"));
    cpSync(join(ROOT, "notebooks", "02-scalar-backprop.ipynb"), join(kit, "notebooks", "02.ipynb"));
    writeFileSync(join(kit, "package.json"), JSON.stringify({ name: "tsdl-student-kit" }));
    const changed = syncKitKernel(kit).map((f) => relative(kit, f));
    expect(changed).to.deep.equal([
      join("jupyter", "kernels", "tsdl-student-kit"),
      join("jupyter", "kernels", "tsdl-student-kit", "kernel.json"),
      join("notebooks", "02.ipynb"),
    ]);
    expect(readdirSync(join(kit, "jupyter", "kernels"))).to.deep.equal(["tsdl-student-kit"]);
    const spec = JSON.parse(readFileSync(join(kit, "jupyter", "kernels", "tsdl-student-kit", "kernel.json"), "utf8"));
    expect(spec.display_name).to.equal("TypeScript (tsdl-student-kit)");
    const nb = JSON.parse(readFileSync(join(kit, "notebooks", "02.ipynb"), "utf8"));
    expect(nb.metadata.kernelspec).to.deep.equal({
      display_name: "TypeScript (tsdl-student-kit)",
      language: "typescript",
      name: "tsdl-student-kit",
    });
    expect(syncKitKernel(kit)).to.deep.equal([]);
  });
});
