// Entry point of lib/kernels/kernels.wasm (built by scripts/build-wasm.js). No runtime: every
// function works on raw linear memory that lib/kernels/wasm/ (engine.ts, memory.ts) lays out and grows.
export { KC, MC, NC, gemmF64, gemmF32, gemmSharedF64, gemmSharedF32 } from "./gemm";
export { im2colF64, im2colF32, col2imF64, col2imF32 } from "./im2col";
export { convForwardF64, convForwardF32, convBackwardF64, convBackwardF32, addPartsF64, addPartsF32 } from "./conv";
export { allFiniteF64, allFiniteF32, sgdF64, sgdF32, sgdSharedF64, sgdSharedF32 } from "./elementwise";
export { reluF64, reluF32, reluBackwardF64, reluBackwardF32 } from "./relu";
export { columnSumsF64, columnSumsF32, planeSumsSharedF64, planeSumsSharedF32 } from "./bias-grad";
export { zeroBytes } from "./fill";
export { maxPoolF64, maxPoolF32, maxPoolBackwardF64, maxPoolBackwardF32 } from "./pool";
export {
  channelReduceF64, channelReduceF32, batchNormNormalizeF64, batchNormNormalizeF32, batchNormBackwardF64, batchNormBackwardF32,
} from "./batchnorm";

/** First byte past the module's own static data: the host's layout starts here. */
export function heapBase(): usize {
  return __heap_base;
}
