import type { Kernels } from "./interface";
import { referenceKernels } from "./reference";

/*
 * The active kernels. Everything heavy (matrix products and the im2col/col2im reshuffles of
 * convolution) goes through the small interface in interface.ts, so that a faster implementation
 * (WebAssembly SIMD: wasm/index.ts) can be swapped in with `setKernels` without changing any API. The
 * plain TypeScript kernels in reference.ts stay the readable reference and the default.
 */
export type {
  BatchNormBackwardArgs,
  BatchNormNormalizeArgs,
  ChannelReduceArgs,
  Conv2dBackwardArgs,
  Conv2dForwardArgs,
  ConvGeometry,
  FusedKernels,
  GemmArgs,
  KernelMemory,
  Kernels,
  MaxPoolArgs,
  SgdStepArgs,
} from "./interface";
export { checkGemmArgs, convOutputSize } from "./interface";

let active: Kernels | null = null;

/** The active kernels (the reference kernels unless setKernels chose others). */
export function kernels(): Kernels {
  return active ?? referenceKernels;
}

/** Swap the active kernels (null restores the reference kernels). Returns the previous ones. */
export function setKernels(k: Kernels | null): Kernels {
  const previous = kernels();
  active = k;
  return previous;
}
