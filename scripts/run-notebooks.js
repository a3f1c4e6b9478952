#!/usr/bin/env node
// @ts-check
// Runs notebooks headless (tslab's executor in plain Node, no Jupyter):
//   npm run notebooks -- [--quick] [--out DIR] [notebooks/...ipynb]
// Exits non-zero when a cell fails, naming the notebook, the cell and the message.
"use strict";
const { mkdirSync, readdirSync } = require("node:fs");
const { basename, join, resolve } = require("node:path");
const { readNotebook, ROOT, runNotebook, writeExecuted } = require("./notebook-runner");

/** @param {string[]} argv */
async function main(argv) {
  const quick = argv.includes("--quick");
  const outIndex = argv.indexOf("--out");
  const outDir = outIndex >= 0 ? resolve(argv[outIndex + 1] ?? ".") : null;
  const files = argv
    .filter((a, i) => !a.startsWith("--") && (outIndex < 0 || i !== outIndex + 1))
    .map((f) => resolve(f));
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
