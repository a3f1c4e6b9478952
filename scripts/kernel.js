#!/usr/bin/env node
// @ts-check
// Starts the pinned tslab kernel with the project root as its working directory, so notebook cells
// import the library as "./lib/index" (tslab compiles cells and local imports under its working
// directory). Jupyter runs this through the kernelspec that `npm run kernel:install` writes, or the
// one shipped in jupyter/kernels/ (which calls `main` after finding the kit from the notebook's folder).
"use strict";
const path = require("node:path");
const { parseArgs } = require("node:util");
const { fail, parseCommandLine } = require("./cli");
const { installTslabHooks } = require("./tslab-hooks");

const ROOT = path.resolve(__dirname, "..");

const USAGE = `usage: node scripts/kernel.js --config-path CONNECTION_FILE

Runs the kit's TypeScript kernel (tslab) for Jupyter, which passes the connection file. Install it
for Jupyter with: npm run kernel:install

  --config-path FILE  the kernel's connection file (Jupyter writes it)
  -h, --help          show this help`;

/** @param {string[]} argv */
function main(argv) {
  const configPath = parseCommandLine({ command: "node scripts/kernel.js", usage: USAGE, argv }, (args) => {
    const { values, positionals } = parseArgs({
      args,
      options: { "config-path": { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
    // Older kernelspecs passed the connection file alone.
    const file = values["config-path"] ?? (positionals.length === 1 ? positionals[0] : undefined);
    if (file === undefined || positionals.length > (values["config-path"] === undefined ? 1 : 0))
      fail("expected --config-path CONNECTION_FILE");
    return file;
  });
  process.chdir(ROOT);
  installTslabHooks(ROOT);
  const { startKernel } = require(path.join(ROOT, "node_modules", "tslab", "dist", "main.js"));
  const { version } = require(path.join(ROOT, "node_modules", "tslab", "package.json"));
  startKernel({ configPath, enableFindLocal: false, jsKernel: false, globalVersion: version });
}

module.exports = { main };

if (require.main === module) main(process.argv.slice(2));
