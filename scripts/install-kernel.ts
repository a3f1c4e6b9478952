// Installs this kit's Jupyter kernel for JupyterLab, Notebook and VS Code, named after the kit
// (package.json's "name"), so the instructor's repository and a student kit never share a kernel.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { kitKernel } from "../lib/notebook/kit";
import { fail, parseCommandLine } from "./cli";

export const ROOT = resolve(__dirname, "..");

/** The plotly.js that figures load from the kernelspec's folder when the page lacks it (see lib/plot/html.ts). */
export const PLOTLY_RESOURCE = "plotly.min.js";

const USAGE = `usage: npm run kernel:install -- [--dir DIR | --print | --sync]

Installs this kit's Jupyter kernel (named after package.json's "name") where JupyterLab, Notebook
and VS Code find it. Notebooks then import the library as "./lib/index" (the kernel runs in the kit).

  --dir DIR   install into DIR/kernels/NAME instead of your Jupyter data directory
              (then make Jupyter look there: export JUPYTER_PATH=DIR)
  --print     print the kernelspec and install nothing
  --sync      after package.json's name changed (the release does this for a student kit): rename
              the kernelspec shipped in jupyter/kernels/ and set every notebook's kernelspec to it
  -h, --help  show this help`;

export function kernelSpec(root = ROOT): Record<string, unknown> {
  return {
    argv: [process.execPath, join(root, "scripts", "kernel.js"), "--config-path", "{connection_file}"],
    display_name: kitKernel(root).displayName,
    language: "typescript",
    metadata: { debugger: false },
  };
}

/** Jupyter's per-user data directory, as `jupyter --data-dir` reports it. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(env.APPDATA ?? homedir(), "jupyter");
  return join(env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
}

function plotlySource(root: string): string {
  return require.resolve("plotly.js-dist-min/plotly.min.js", { paths: [root] });
}

/** Writes the kernelspec (and plotly.js beside it) into `dataDir/kernels/NAME`; returns that folder. */
export function installKernel(dataDir: string, root = ROOT): string {
  const dir = join(dataDir, "kernels", kitKernel(root).name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelSpec(root), null, 2) + "\n");
  copyFileSync(plotlySource(root), join(dir, PLOTLY_RESOURCE));
  return dir;
}

interface NotebookJson {
  metadata: { kernelspec?: Record<string, unknown> } & Record<string, unknown>;
}

/**
 * Names the kernelspec shipped in jupyter/kernels/ and every notebook's kernelspec after the kit
 * (package.json), after the name changed. Returns the files it changed.
 */
export function syncKitKernel(root = ROOT): string[] {
  const { name, displayName } = kitKernel(root);
  const changed: string[] = [];
  const kernels = join(root, "jupyter", "kernels");
  const shipped = existsSync(kernels) ? readdirSync(kernels) : [];
  if (shipped.length !== 1) throw new Error(`${kernels}: expected one kernelspec, found ${shipped.length}`);
  if (shipped[0] !== name) {
    renameSync(join(kernels, shipped[0]!), join(kernels, name));
    changed.push(join(kernels, name));
  }
  const specFile = join(kernels, name, "kernel.json");
  const spec = JSON.parse(readFileSync(specFile, "utf8")) as Record<string, unknown>;
  if (spec.display_name !== displayName) {
    writeFileSync(specFile, JSON.stringify({ ...spec, display_name: displayName }, null, 2) + "\n");
    changed.push(specFile);
  }
  const notebooks = join(root, "notebooks");
  for (const f of readdirSync(notebooks).filter((n) => n.endsWith(".ipynb"))) {
    const file = join(notebooks, f);
    const nb = JSON.parse(readFileSync(file, "utf8")) as NotebookJson;
    const want = { display_name: displayName, language: "typescript", name };
    if (JSON.stringify(nb.metadata.kernelspec) === JSON.stringify(want)) continue;
    nb.metadata.kernelspec = want;
    writeFileSync(file, JSON.stringify(nb, null, 1) + "\n");
    changed.push(file);
  }
  return changed;
}

function main(argv: string[]): void {
  const mode = parseCommandLine({ command: "npm run kernel:install", usage: USAGE, argv }, (args) => {
    const { values } = parseArgs({
      args,
      options: { dir: { type: "string" }, print: { type: "boolean" }, sync: { type: "boolean" } },
      strict: true,
    });
    const chosen = [values.dir !== undefined, values.print === true, values.sync === true].filter(Boolean).length;
    if (chosen > 1) fail("--dir, --print and --sync go alone");
    return values;
  });
  if (mode.print) {
    console.log(JSON.stringify(kernelSpec(), null, 2));
    return;
  }
  if (mode.sync) {
    const changed = syncKitKernel();
    console.log(
      changed.length === 0 ? "kernelspecs already match package.json" : `updated:\n  ${changed.join("\n  ")}`,
    );
    return;
  }
  const dataDir = mode.dir === undefined ? userDataDir() : resolve(mode.dir);
  const { name, displayName } = kitKernel();
  const dir = installKernel(dataDir);
  console.log(`installed the kernel "${displayName}" (${name}) in ${dir}`);
  if (mode.dir !== undefined) console.log(`make Jupyter find it with: export JUPYTER_PATH=${dataDir}`);
  const old = join(dataDir, "kernels", "tsdl");
  if (name !== "tsdl" && existsSync(join(old, "kernel.json")))
    console.log(`an older kit kernel named "tsdl" is still installed: jupyter kernelspec remove tsdl`);
  console.log('notebooks import the library as "./lib/index" (the kernel runs in the kit folder).');
}

if (require.main === module) main(process.argv.slice(2));
