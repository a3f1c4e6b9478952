#!/usr/bin/env node
// Starts the pinned tslab kernel with the project root as its working directory, so notebook cells
// import the library as "./lib" (tslab compiles cells and local imports under its working directory).
// Jupyter runs this through the kernelspec that `npm run kernel:install` writes.
"use strict";
const path = require("path");

const root = path.resolve(__dirname, "..");
const at = process.argv.indexOf("--config-path");
const configPath = at >= 0 ? process.argv[at + 1] : process.argv[2];
if (!configPath) {
  console.error("usage: node scripts/kernel.js --config-path CONNECTION_FILE");
  process.exit(2);
}
process.chdir(root);
const { startKernel } = require(path.join(root, "node_modules", "tslab", "dist", "main.js"));
const { version } = require(path.join(root, "node_modules", "tslab", "package.json"));
startKernel({ configPath, enableFindLocal: false, jsKernel: false, globalVersion: version });
