// Builds lib/kernels/kernels.wasm (SIMD128) and lib/kernels/kernels-fma.wasm (SIMD128 plus relaxed
// SIMD's fused multiply-add in the GEMM micro-kernel) from the AssemblyScript sources in wasm/assembly
// with the installed compiler, and the same two for the student kit into wasm/kit/ (from kit.ts: no
// kernel that answers an assignment; the release ships them as lib/kernels/*.wasm). Deterministic: the
// same sources and compiler version give the same bytes, which test/wasm-kernels.test.ts checks
// against the committed binaries.
//
//   npm run build:wasm                  # rebuilds all four (node wasm/build.js)
//   node wasm/build.js DIR              # builds into DIR and DIR/kit (the test's drift check)
"use strict";
const { execFileSync } = require("child_process");
const path = require("path");

const root = path.join(__dirname, "..");
const defaultDir = path.join(root, "lib", "kernels");
const defaultKitDir = path.join(root, "wasm", "kit");

/** The instructor's module and the student kit's (without the answer kernels). */
const entries = [
  { entry: "wasm/assembly/index.ts", kit: false },
  { entry: "wasm/assembly/kit.ts", kit: true },
];

/** The two builds: file name and the extra compiler features each enables. */
const variants = [
  { file: "kernels.wasm", features: [] },
  { file: "kernels-fma.wasm", features: ["--enable", "relaxed-simd"] },
];

/**
 * No runtime (raw memory only); SIMD128; memory imported from the host, and shared so that a worker
 * thread can run half of a large product in the same memory (shared memory needs the threads feature
 * and a maximum: 32768 pages = 2 GiB keeps every byte offset a positive int32).
 */
const ascFlags = [
  "--runtime",
  "stub",
  "--enable",
  "simd",
  "--enable",
  "threads",
  "--importMemory",
  "--sharedMemory",
  "--initialMemory",
  "1",
  "--maximumMemory",
  "32768",
  "--optimizeLevel",
  "3",
  "--shrinkLevel",
  "0",
  "--noAssert",
];

/**
 * Compiles both builds of the instructor's module into `dir` and of the kit's into `kitDir` (run
 * from the repository root with a relative entry, so no absolute path can leak into the binaries).
 * @param {string} [dir]
 * @param {string} [kitDir]
 * @returns {string[]} the paths written
 */
function buildWasm(dir = defaultDir, kitDir = dir === defaultDir ? defaultKitDir : path.join(dir, "kit")) {
  const asc = require.resolve("assemblyscript/bin/asc.js", { paths: [root] });
  return entries.flatMap(({ entry, kit }) =>
    variants.map(({ file, features }) => {
      const out = path.resolve(kit ? kitDir : dir, file);
      execFileSync(process.execPath, [asc, entry, ...ascFlags, ...features, "--outFile", out], {
        cwd: root,
        stdio: ["ignore", "inherit", "inherit"],
      });
      return out;
    }),
  );
}

if (require.main === module) {
  for (const out of buildWasm(process.argv[2])) console.log(`wrote ${path.relative(process.cwd(), out) || out}`);
}

module.exports = { buildWasm, ascFlags, variants, entries };
