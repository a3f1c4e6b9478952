import type { Storage } from "../../tensor/dtype";
import type { Kernels } from "../interface";
import { setKernels } from "../kernels";
import { engine, existingEngine, wasmMemory } from "./engine";
import { PARALLEL_MIN_MACS, wasmGemm } from "./gemm";
import { wasmCol2im, wasmIm2col } from "./im2col";

/*
 * WebAssembly SIMD128 kernels behind the Kernels interface (sources in wasm/assembly, binaries built by
 * wasm/build.js and committed in lib/kernels; this folder mirrors wasm/assembly file by file).
 *
 * The products run in the module's memory (gemm.ts, im2col.ts), where the kernels also keep storage of
 * their own (memory.ts): parameters, gradients, optimizer state and step arenas live there and are
 * used in place. The fused loops (relu.ts, pool.ts, batchnorm.ts, elementwise.ts, bias-grad.ts) run
 * there when their arrays live there, and the whole batch's convolution (conv.ts) whenever these
 * kernels are active: lib/kernels/<name>.ts picks them. One worker thread takes part in large tasks
 * (threads.ts, worker.js).
 */
export const wasmKernels: Kernels = {
  name: "wasm (SIMD128)",
  gemm: (p) => wasmGemm(engine(), p),
  im2col: (x, xOffset, g, cols) => wasmIm2col(engine(), x, xOffset, g, cols),
  col2im: (cols, g, dx, dxOffset) => wasmCol2im(engine(), cols, g, dx, dxOffset),
  memory: wasmMemory,
};

export interface WasmKernelOptions {
  /**
   * Let one worker thread take half of each large product (default true). It starts in the
   * background; until it is ready (a few tens of ms) products run on the calling thread.
   */
  threads?: boolean;
}

/** Whether the wasm kernels can run here (WebAssembly SIMD128 and shared memory). */
export function wasmKernelsSupported(): boolean {
  try {
    engine();
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes the wasm kernels the active ones (via setKernels) if WebAssembly SIMD is available and
 * returns true; otherwise leaves the current kernels in place and returns false.
 * `setKernels(null)` goes back to the reference kernels.
 */
export function useWasmKernels(options: WasmKernelOptions = {}): boolean {
  if (!wasmKernelsSupported()) return false;
  setWasmThreads(options.threads ?? true);
  setKernels(wasmKernels);
  return true;
}

/**
 * Turns the use of the worker thread on or off. With `wait`, blocks until it is ready (benchmarks use this
 * so the first timed products are already split). Returns whether products can now be split.
 */
export function setWasmThreads(on: boolean, wait = false): boolean {
  const t = engine().threads;
  // Off only stops handing work over: the idle worker sleeps in Atomics.wait and costs nothing.
  t.enabled = on;
  if (!on) return false;
  return wait ? t.waitUntilReady() : true;
}

/** Why the wasm kernels are unavailable, or null when they work (for messages and the benchmark). */
export function wasmKernelsError(): string | null {
  try {
    engine();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export interface WasmKernelsInfo {
  /** Whether large products may be split with the worker thread. */
  threads: boolean;
  /** Whether the worker has started and can take work. */
  workerReady: boolean;
  /** How many products have been offered to the worker so far, and how many it took part in. */
  splitProducts: number;
  joinedProducts: number;
  /** Current size of the linear memory in bytes. */
  memoryBytes: number;
  /** Products with fewer multiply-adds than this always run on the calling thread. */
  parallelMinMacs: number;
  /** Whether the module with fused multiply-adds (relaxed SIMD) runs, rather than plain SIMD128. */
  fma: boolean;
}

/** State of the wasm kernels (instantiating them if needed); throws if they are unavailable. */
export function wasmKernelsInfo(): WasmKernelsInfo {
  const e = engine();
  return {
    threads: e.threads.enabled && e.threads.usable(),
    workerReady: e.threads.started(),
    splitProducts: e.threads.offered,
    joinedProducts: e.threads.joined,
    memoryBytes: e.memory.byteLength,
    parallelMinMacs: PARALLEL_MIN_MACS,
    fma: e.fma,
  };
}

/**
 * For tests: makes every shared product wait until the worker has joined it, so that the worker's
 * code path runs deterministically (normally a late worker is simply left out).
 */
export function setWasmAwaitWorkerForTests(on: boolean): void {
  engine().threads.awaitJoin = on;
}

/** Whether `s` lives in the wasm kernels' memory (allocated by them, so used in place, never copied). */
export function isWasmStorage(s: Storage): boolean {
  const e = existingEngine();
  return e !== null && e.memory.addressOf(s) >= 0;
}
