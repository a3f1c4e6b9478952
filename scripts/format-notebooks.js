#!/usr/bin/env node
// @ts-check
// Formats every code cell of the notebooks with Prettier (the repository's settings, TypeScript),
// as `prettier --write` formats the files: run by `npm run format`, and with --check by
// `npm run lint`, so notebook code keeps to 120 columns like the rest of the kit.
"use strict";
const { existsSync, readdirSync, readFileSync, writeFileSync } = require("node:fs");
const { join, relative, resolve } = require("node:path");
const { parseArgs } = require("node:util");
const { fail, parseCommandLine } = require("./cli");

const ROOT = resolve(__dirname, "..");

const USAGE = `usage: node scripts/format-notebooks.js [--check] [NOTEBOOK.ipynb ...]

Formats the code cells of the notebooks (default: notebooks/*.ipynb) with Prettier, using the
repository's Prettier settings for TypeScript. Outputs and other cells are left as they are.

  --check     change nothing; list the cells that are not formatted, and lines over the print width
              (a long string Prettier cannot split), and exit 1 if there are any
  -h, --help  show this help`;

/**
 * @typedef {{ cell_type: string, source: string | string[] }} Cell
 * @typedef {{ cells: Cell[] }} Notebook
 */

/** @param {Cell} cell */
const sourceOf = (cell) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);

/**
 * Jupyter's form: lines that keep their "\n", the last one without.
 * @param {string} text
 */
function sourceLines(text) {
  const lines = text.split("\n");
  return lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l));
}

/**
 * Formats one notebook's code cells; returns its new text and the numbers of the cells that changed.
 * @param {string} file
 * @param {typeof import("prettier")} prettier
 */
async function formatNotebook(file, prettier) {
  const text = readFileSync(file, "utf8");
  /** @type {Notebook} */
  const nb = JSON.parse(text);
  // The kit's settings for a TypeScript file in notebooks/ (the .ipynb override is for its JSON).
  const options = { ...(await prettier.resolveConfig(join(ROOT, "notebooks", "cell.ts"))), parser: "typescript" };
  /** @type {number[]} */
  const changed = [];
  /** @type {string[]} lines Prettier cannot bring within the print width (long strings) */
  const long = [];
  const width = typeof options.printWidth === "number" ? options.printWidth : 80;
  for (const [i, cell] of nb.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    const source = sourceOf(cell);
    if (source.trim() === "") continue;
    let formatted;
    try {
      formatted = (await prettier.format(source, options)).replace(/\n+$/, "");
    } catch (e) {
      throw new Error(`${relative(ROOT, file)} cell ${i + 1}: ${/** @type {Error} */ (e).message.split("\n")[0]}`);
    }
    formatted.split("\n").forEach((line, k) => {
      if (line.length > width)
        long.push(`cell ${i + 1} line ${k + 1} has ${line.length} characters (at most ${width})`);
    });
    if (formatted === source) continue;
    cell.source = sourceLines(formatted);
    changed.push(i + 1);
  }
  return { text: JSON.stringify(nb, null, 1) + "\n", changed, long };
}

/** @param {string[]} argv */
async function main(argv) {
  const { check, files } = parseCommandLine(
    { command: "node scripts/format-notebooks.js", usage: USAGE, argv },
    (args) => {
      const { values, positionals } = parseArgs({
        args,
        options: { check: { type: "boolean" } },
        allowPositionals: true,
        strict: true,
      });
      for (const f of positionals) if (!f.endsWith(".ipynb") || !existsSync(f)) fail(`${f} is not a notebook here`);
      const dir = join(ROOT, "notebooks");
      const all = readdirSync(dir)
        .filter((f) => f.endsWith(".ipynb"))
        .sort()
        .map((f) => join(dir, f));
      return { check: values.check ?? false, files: positionals.length > 0 ? positionals.map((f) => resolve(f)) : all };
    },
  );
  const prettier = require("prettier");
  let unformatted = 0;
  for (const file of files) {
    const { text, changed, long } = await formatNotebook(file, prettier);
    const name = relative(process.cwd(), file);
    // Prettier does not split a long string or template: that is left to the author.
    for (const l of long) console.log(`[warn] ${name}: ${l}; split it`);
    if (long.length > 0) unformatted++;
    if (changed.length === 0) continue;
    if (check) {
      unformatted++;
      console.log(`[warn] ${name}: code cells ${changed.join(", ")} are not formatted`);
    } else {
      writeFileSync(file, text);
      console.log(`${name}: formatted code cells ${changed.join(", ")}`);
    }
  }
  if (check && unformatted > 0) {
    console.log("[warn] run npm run format (it formats notebook cells with scripts/format-notebooks.js)");
    return 1;
  }
  return unformatted > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`format-notebooks: ${e.message}`);
    process.exit(1);
  },
);
