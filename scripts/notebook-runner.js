// @ts-check
/*
 * Runs a TypeScript notebook headless with tslab's own converter and executor (no Jupyter, no
 * Python), exactly as the kernel would: plain Node (no other TypeScript loader, so module
 * resolution is tslab's), cells in order in one executor, the project root as tslab's root.
 * Captures each cell's stdout, stderr and display data, and stops at the first failing cell.
 *
 * tslab's converter/executor are internal API: tslab is pinned in package.json for that reason.
 */
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const { resolve } = require("node:path");
const { installTslabHooks } = require("./tslab-hooks");

const ROOT = resolve(__dirname, "..");

/**
 * @typedef {{ cell_type: "code" | "markdown" | "raw", source: string | string[], metadata: Record<string, unknown>, outputs?: unknown[], execution_count?: number | null, id?: string }} NotebookCell
 * @typedef {{ cells: NotebookCell[], metadata: Record<string, unknown>, nbformat: number, nbformat_minor: number }} Notebook
 * @typedef {{ data: Record<string, unknown>, metadata: Record<string, unknown>, transient: Record<string, unknown> }} DisplayContent
 * @typedef {{ cell: number, ok: boolean, stdout: string, stderr: string, displays: DisplayContent[], seconds: number }} CellRun
 * @typedef {{ path: string, ok: boolean, cells: CellRun[], failure?: { cell: number, message: string }, seconds: number }} NotebookRun
 * @typedef {{ close(): void }} Converter
 * @typedef {{ execute(src: string): Promise<boolean>, close(): void }} Executor
 */

/** @param {NotebookCell} cell */
function cellSource(cell) {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** @param {string} path @returns {Notebook} */
function readNotebook(path) {
  /** @type {Notebook} */
  let nb;
  try {
    nb = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: not a readable notebook: ${/** @type {Error} */ (e).message}`);
  }
  if (!Array.isArray(nb.cells) || nb.nbformat !== 4)
    throw new Error(`${path}: expected an nbformat 4 notebook with cells`);
  return nb;
}

/** @param {unknown[]} args */
function formatArgs(args) {
  // tslab passes printf-style arguments for diagnostics ("%s%d:%d - %s", file, line, col, message).
  if (typeof args[0] === "string" && /%[sd]/.test(args[0])) {
    let i = 1;
    return (
      args[0].replace(/%[sd]/g, () => String(args[i++] ?? "")) +
      args
        .slice(i)
        .map((a) => ` ${String(a)}`)
        .join("")
    );
  }
  return args
    .map((a) => (a instanceof Error ? (a.stack ?? a.message) : typeof a === "string" ? a : JSON.stringify(a)))
    .join(" ");
}

/**
 * Runs every code cell; `env` entries are set in process.env for the run (e.g. TSDL_QUICK=1).
 * @param {string} path
 * @param {{ env?: Record<string, string>, onCell?: (run: CellRun, total: number) => void }} [opts]
 * @returns {Promise<NotebookRun>}
 */
async function runNotebook(path, opts = {}) {
  const nb = readNotebook(path);
  const started = Date.now();
  const previousCwd = process.cwd();
  const previousEnv = { ...process.env };
  Object.assign(process.env, opts.env ?? {});
  process.chdir(ROOT);
  installTslabHooks(ROOT);
  /** @param {string} p */
  const tslab = (p) => require(resolve(ROOT, "node_modules", "tslab", "dist", p));
  /** @type {{ createConverter(o?: { isBrowser?: boolean }): Converter }} */
  const { createConverter } = tslab("converter");
  /** @type {{ createExecutor(root: string, convs: unknown, console: { log(...a: unknown[]): void, error(...a: unknown[]): void }): Executor }} */
  const { createExecutor } = tslab("executor");
  /** @type {{ lastWriteDisplayData: ((c: DisplayContent, update: boolean) => void) | null }} */
  const jupyter = tslab("jupyter");

  const node = createConverter();
  /** @type {Converter | null} */
  let browser = null;
  const convs = {
    node,
    get browser() {
      return (browser ??= createConverter({ isBrowser: true }));
    },
    close() {
      node.close();
      browser?.close();
    },
  };
  /** @type {CellRun | null} */
  let current = null;
  const executor = createExecutor(ROOT, convs, {
    log: (...a) => {
      if (current) current.stdout += formatArgs(a) + "\n";
    },
    error: (...a) => {
      if (current) current.stderr += formatArgs(a) + "\n";
    },
  });
  // An update (update_display_data) replaces every earlier output with its display id, as Jupyter
  // does, so a progress bar redrawn thousands of times is saved once, in its last state.
  /** @type {Map<string, { run: CellRun, index: number }[]>} */
  const shown = new Map();
  jupyter.lastWriteDisplayData = (content, update) => {
    const id = content.transient?.display_id;
    if (update && typeof id === "string") {
      for (const { run, index } of shown.get(id) ?? []) run.displays[index] = content;
      return;
    }
    if (!current) return;
    current.displays.push(content);
    if (typeof id === "string")
      shown.set(id, [...(shown.get(id) ?? []), { run: current, index: current.displays.length - 1 }]);
  };
  const out = process.stdout.write;
  const err = process.stderr.write;
  /** @type {CellRun[]} */
  const cells = [];
  /** @type {{ cell: number, message: string } | undefined} */
  let failure;
  const total = nb.cells.filter((c) => c.cell_type === "code").length;
  try {
    for (let i = 0; i < nb.cells.length; i++) {
      const cell = /** @type {NotebookCell} */ (nb.cells[i]);
      if (cell.cell_type !== "code") continue;
      /** @type {CellRun} */
      const run = { cell: i + 1, ok: false, stdout: "", stderr: "", displays: [], seconds: 0 };
      current = run;
      const t0 = Date.now();
      process.stdout.write = /** @type {typeof process.stdout.write} */ (
        (/** @type {string | Uint8Array} */ chunk) => {
          run.stdout += chunk.toString();
          return true;
        }
      );
      process.stderr.write = /** @type {typeof process.stderr.write} */ (
        (/** @type {string | Uint8Array} */ chunk) => {
          run.stderr += chunk.toString();
          return true;
        }
      );
      try {
        run.ok = await executor.execute(cellSource(cell));
      } catch (e) {
        run.stderr += `${/** @type {Error} */ (e).stack ?? String(e)}\n`;
      } finally {
        process.stdout.write = out;
        process.stderr.write = err;
      }
      run.seconds = (Date.now() - t0) / 1000;
      cells.push(run);
      opts.onCell?.(run, total);
      if (!run.ok) {
        failure = { cell: run.cell, message: run.stderr.trim() || "the cell failed without a message" };
        break;
      }
    }
  } finally {
    current = null;
    jupyter.lastWriteDisplayData = null;
    executor.close();
    convs.close();
    process.chdir(previousCwd);
    for (const k of Object.keys(process.env)) if (!(k in previousEnv)) delete process.env[k];
    Object.assign(process.env, previousEnv);
  }
  return {
    path,
    ok: failure === undefined,
    cells,
    ...(failure ? { failure } : {}),
    seconds: (Date.now() - started) / 1000,
  };
}

/**
 * The notebook with the run's outputs filled in (as Jupyter would save it).
 * @param {Notebook} nb @param {NotebookRun} run @returns {Notebook}
 */
function withOutputs(nb, run) {
  const byCell = new Map(run.cells.map((c) => [c.cell, c]));
  let count = 0;
  return {
    ...nb,
    cells: nb.cells.map((cell, i) => {
      if (cell.cell_type !== "code") return cell;
      const r = byCell.get(i + 1);
      if (!r) return { ...cell, outputs: [], execution_count: null };
      /** @type {unknown[]} */
      const outputs = [];
      if (r.stdout) outputs.push({ output_type: "stream", name: "stdout", text: r.stdout });
      for (const d of r.displays) outputs.push({ output_type: "display_data", data: d.data, metadata: d.metadata });
      if (r.stderr) outputs.push({ output_type: "stream", name: "stderr", text: r.stderr });
      return { ...cell, outputs, execution_count: ++count };
    }),
  };
}

module.exports = {
  ROOT,
  cellSource,
  readNotebook,
  runNotebook,
  withOutputs,
  writeExecuted: (/** @type {string} */ path, /** @type {Notebook} */ nb, /** @type {NotebookRun} */ run) =>
    writeFileSync(path, JSON.stringify(withOutputs(nb, run), null, 1) + "\n"),
};
