// Run in a child process with TSDL_WASM_FMA=0 (test/wasm-kernels.test.ts): the plain SIMD128 module
// (no fused multiply-add) must match the reference like the FMA one, on one thread and on two.
// Prints the kernels' info as JSON; a mismatch throws (non-zero exit).
import {
  setWasmAwaitWorkerForTests,
  setWasmThreads,
  useWasmKernels,
  wasmKernelsInfo,
} from "../../lib/kernels/wasm/index";
import { Rng } from "../../lib/random";
import { compareGemm } from "./gemm-case";

if (!useWasmKernels()) throw new Error("wasm kernels unavailable");
const rng = new Rng(70);
for (const threads of [false, true]) {
  setWasmThreads(threads, true);
  setWasmAwaitWorkerForTests(threads);
  for (const f32 of [false, true]) {
    for (const [m, n, k] of [
      [17, 63, 65],
      [300, 257, 129],
    ] as const) {
      for (const [transA, transB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        compareGemm({ m, n, k, transA, transB, alpha: 0.7, beta: -1.3, f32, pad: [2, 1, 3], offsets: [5, 2, 4] }, rng);
      }
    }
  }
}
process.stdout.write(JSON.stringify(wasmKernelsInfo()));
process.exit(0);
