// Builds lib/kernels/kernels.wasm from the AssemblyScript sources in wasm/assembly with the installed
// compiler. Deterministic: the same sources and compiler version give the same bytes, which
// test/wasm-kernels.test.ts checks against the committed binary.
//
//   node scripts/build-wasm.js            # rebuilds lib/kernels/kernels.wasm
//   node scripts/build-wasm.js OUT.wasm   # builds elsewhere (the test's drift check)
"use strict";
const { execFileSync } = require("child_process");
const path = require("path");

const root = path.join(__dirname, "..");
const entry = "wasm/assembly/index.ts";
const defaultOut = path.join(root, "lib", "kernels", "kernels.wasm");

/**
 * No runtime (raw memory only); SIMD128; memory imported from the host, and shared so that a worker
 * thread can run half of a large product in the same memory (shared memory needs the threads feature
 * and a maximum: 32768 pages = 2 GiB keeps every byte offset a positive int32).
 */
const ascFlags = [
  "--runtime", "stub",
  "--enable", "simd",
  "--enable", "threads",
  "--importMemory",
  "--sharedMemory",
  "--initialMemory", "1",
  "--maximumMemory", "32768",
  "--optimizeLevel", "3",
  "--shrinkLevel", "0",
  "--noAssert",
];

/**
 * Compiles the kernels into `outFile` (run from the repository root with a relative entry, so no
 * absolute path can leak into the binary).
 * @param {string} [outFile]
 * @returns {string} the path written
 */
function buildWasm(outFile = defaultOut) {
  const asc = require.resolve("assemblyscript/bin/asc.js", { paths: [root] });
  const out = path.resolve(outFile);
  execFileSync(process.execPath, [asc, entry, ...ascFlags, "--outFile", out], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  return out;
}

if (require.main === module) {
  const out = buildWasm(process.argv[2]);
  console.log(`wrote ${path.relative(process.cwd(), out) || out}`);
}

module.exports = { buildWasm, ascFlags };
