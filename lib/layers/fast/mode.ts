// INSTRUCTOR ONLY: the switch between the layers' fast paths and their solution regions.
/**
 * Linear, ReLU and Conv2d compute their passes in solution regions of plain Tensor code that reads like
 * the maths (`x.matmul(W).add(b)`): that is what students write, and all the student kit has. Here, in
 * the instructor's repository, each may instead take a fast path (in lib/layers/fast/, fenced by
 * INSTRUCTOR ONLY markers in the layer) that computes the same thing straight on the kernels: one gemm
 * with the bias seeded into the output and transposes folded into the product, ReLU as a SIMD pass,
 * a whole batch's convolution in one kernel call.
 *
 * "auto" (the default) takes the fast paths when the active kernels are not the reference ones, i.e.
 * under the WebAssembly kernels (the bench, the report, the notebooks); with the reference kernels (most
 * tests, the autograder and its fixtures) the solution regions run. "always" and "never" force one side,
 * so tests can run both on the same kernels and compare them.
 */
import { kernels } from "../../kernels/kernels";
import { referenceKernels } from "../../kernels/reference";

export type FastPathMode = "auto" | "always" | "never";

let mode: FastPathMode = "auto";

/** Whether a layer should take its fast path now. */
export function fastPath(): boolean {
  return mode === "always" || (mode === "auto" && kernels() !== referenceKernels);
}

/** Sets the mode; returns the previous one. */
export function setFastPaths(m: FastPathMode): FastPathMode {
  if (m !== "auto" && m !== "always" && m !== "never")
    throw new Error(`setFastPaths: mode must be "auto", "always" or "never", got ${JSON.stringify(m)}`);
  const previous = mode;
  mode = m;
  return previous;
}

/** Runs fn with the given mode, restoring the previous one afterwards (also when fn throws). */
export function withFastPaths<T>(m: FastPathMode, fn: () => T): T {
  const previous = setFastPaths(m);
  try {
    return fn();
  } finally {
    setFastPaths(previous);
  }
}
