// Entry point of lib/kernels/kernels.wasm (built by wasm/build.js): the student kit's kernels (kit.ts)
// and the ones that answer assignments. No runtime: every function works on raw linear memory that
// lib/kernels/wasm/ (engine.ts, memory.ts) lays out and grows.
export * from "./kit";
export { convForwardF64, convForwardF32, convBackwardF64, convBackwardF32, addPartsF64, addPartsF32 } from "./conv";
export { reluF64, reluF32, reluBackwardF64, reluBackwardF32 } from "./relu";
export { columnSumsF64, columnSumsF32, planeSumsSharedF64, planeSumsSharedF32 } from "./bias-grad";
