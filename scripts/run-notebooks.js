#!/usr/bin/env node
// @ts-check
// Runs notebooks headless (tslab's executor in plain Node, no Jupyter). Exits 1 when a cell fails,
// naming the notebook, the cell and the message; 2 for a bad command line.
"use strict";
const { existsSync, mkdirSync, readdirSync } = require("node:fs");
const { basename, join, resolve } = require("node:path");
const { parseArgs } = require("node:util");
const { fail, parseCommandLine } = require("./cli");
const { readNotebook, ROOT, runNotebook, writeExecuted } = require("./notebook-runner");

const USAGE = `usage: npm run notebooks -- [--quick] [--out DIR] [NOTEBOOK.ipynb ...]

Runs notebooks headless with tslab's executor, as the kit's Jupyter kernel would (no Jupyter needed).
Without NOTEBOOKs, runs every notebook in notebooks/, in order.

  --quick     quick mode (TSDL_QUICK=1): small data and few epochs, seconds per notebook;
              without it the full experiments run (tens of minutes for the MNIST notebooks)
  --out DIR   save each executed notebook, with its outputs, into DIR
  -h, --help  show this help`;

/** @param {string[]} argv */
function settings(argv) {
  return parseCommandLine({ command: "npm run notebooks", usage: USAGE, argv }, (args) => {
    const { values, positionals } = parseArgs({
      args,
      options: { quick: { type: "boolean" }, out: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
    for (const f of positionals) {
      if (!f.endsWith(".ipynb")) fail(`${f} is not a notebook (expected a .ipynb file)`);
      if (!existsSync(f)) fail(`${f} does not exist`);
    }
    return {
      quick: values.quick ?? false,
      outDir: values.out === undefined ? null : resolve(values.out),
      files: positionals.map((f) => resolve(f)),
    };
  });
}

/** @param {string[]} argv */
async function main(argv) {
  const { quick, outDir, files } = settings(argv);
  const notebooks =
    files.length > 0
      ? files
      : readdirSync(join(ROOT, "notebooks"))
          .filter((f) => f.endsWith(".ipynb"))
          .sort()
          .map((f) => join(ROOT, "notebooks", f));
  let failed = 0;
  for (const path of notebooks) {
    const name = basename(path);
    const run = await runNotebook(path, {
      env: quick ? { TSDL_QUICK: "1" } : {},
      onCell: (c, total) => {
        if (process.stderr.isTTY)
          process.stderr.write(
            `\r${name}: cell ${c.cell} ${c.ok ? "ok" : "FAILED"} (${c.seconds.toFixed(1)} s), ${total} code cells   `,
          );
      },
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    if (outDir) {
      mkdirSync(outDir, { recursive: true });
      writeExecuted(join(outDir, name), readNotebook(path), run);
    }
    if (run.ok) console.log(`${name}: ok, ${run.cells.length} code cells in ${run.seconds.toFixed(1)} s`);
    else {
      failed++;
      console.log(`${name}: cell ${run.failure?.cell} failed:\n${run.failure?.message}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e.stack ?? e.message);
    process.exit(2);
  },
);
