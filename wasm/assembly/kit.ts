// Entry point of the student kit's kernels.wasm (built by wasm/build.js into wasm/kit/, which the
// release ships as lib/kernels/kernels.wasm): every kernel but the ones that answer assignments (ReLU,
// the bias gradients, the whole-batch convolution), which index.ts adds for the instructor's build.
// No runtime: every function works on raw linear memory that lib/kernels/wasm/ lays out and grows.
export { KC, MC, NC, gemmF64, gemmF32, gemmSharedF64, gemmSharedF32 } from "./gemm";
export { im2colF64, im2colF32, col2imF64, col2imF32 } from "./im2col";
export { allFiniteF64, allFiniteF32, sgdF64, sgdF32, sgdSharedF64, sgdSharedF32 } from "./elementwise";
export { zeroBytes } from "./fill";
export { maxPoolF64, maxPoolF32, maxPoolBackwardF64, maxPoolBackwardF32 } from "./pool";
export {
  channelReduceF64, channelReduceF32, batchNormNormalizeF64, batchNormNormalizeF32, batchNormBackwardF64, batchNormBackwardF32,
} from "./batchnorm";

/** First byte past the module's own static data: the host's layout starts here. */
export function heapBase(): usize {
  return __heap_base;
}
