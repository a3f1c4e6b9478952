import type { Storage } from "../../tensor/dtype";
import type { KernelMemory } from "../interface";
import { kernels } from "../kernels";
import { align, LinearMemory } from "./memory";
import {
  chooseModule,
  exportedFunctions,
  exportedGlobal,
  MAX_PAGES,
  PAGE,
  wasmApi,
  type WasmFn,
  type WasmMemory,
} from "./module";
import { CONTROL_BYTES, type SharedFunction } from "./protocol";
import { WasmThreads } from "./threads";

/*
 * The WebAssembly kernels' engine: the module instantiated on a shared memory (memory.ts), the
 * layout of that memory, and the worker thread that shares large tasks (threads.ts). The kernel files
 * beside this one (gemm.ts, im2col.ts, conv.ts, relu.ts, ...) mirror wasm/assembly and run their
 * module functions through it.
 *
 * Memory layout: the module's static data, the control block shared with the worker, each thread's
 * scratch (the GEMM's MR x NR edge tile and its packed A block and B panel), then the heap.
 */

/** GEMM block sizes of wasm/assembly/gemm.ts (KC x MC for packed A, KC x NC for packed B), checked against the module. */
const KC = 256,
  MC = 96,
  NC = 1024;
/** Elementwise work (the SGD update, a convolution's bias sums) of at least this many entries is shared with the worker, in at most this many chunks. */
export const PARALLEL_MIN_ENTRIES = 1 << 16;
export const MAX_ELEMENTWISE_CHUNKS = 8;

/** One thread's scratch: the MR x NR edge tile and the packed A block and B panel. */
export interface Scratch {
  tile: number;
  packA: number;
  packB: number;
}

export class WasmEngine {
  readonly memory: LinearMemory;
  readonly threads: WasmThreads;
  /** The calling thread's scratch and the worker's. */
  readonly scratch: readonly [Scratch, Scratch];
  private readonly exports: Record<string, unknown>;
  private readonly sharedFns = new Map<SharedFunction, WasmFn>();

  constructor(
    bytes: Uint8Array,
    readonly fma: boolean,
  ) {
    const api = wasmApi();
    if (api === null) throw new Error("wasm kernels: this JavaScript engine has no WebAssembly");
    if (typeof SharedArrayBuffer !== "function") throw new Error("wasm kernels: SharedArrayBuffer is not available");
    if (!api.validate(bytes))
      throw new Error("wasm kernels: WebAssembly SIMD128 (or shared memory) is not supported here");
    const module = new api.Module(bytes);
    const scratchBytes = 2 * (256 + align(MC * KC * 8) + align(KC * NC * 8));
    const memory: WasmMemory = new api.Memory({
      initial: Math.ceil((scratchBytes + (1 << 20) + 8192) / PAGE) + 16,
      maximum: MAX_PAGES,
      shared: true,
    });
    this.exports = new api.Instance(module, { env: { memory } }).exports;
    const core = exportedFunctions(this.exports, ["heapBase", "zeroBytes"]);
    for (const [name, want] of [
      ["KC", KC],
      ["MC", MC],
      ["NC", NC],
    ] as const) {
      if (exportedGlobal(this.exports, name) !== want) {
        throw new Error(
          "wasm kernels: block sizes of kernels.wasm do not match lib/kernels/wasm/engine.ts (rebuild with npm run build:wasm)",
        );
      }
    }
    let at = align(core.heapBase() + 64);
    const controlByte = at;
    at += align(CONTROL_BYTES);
    const one = (): Scratch => {
      const s = { tile: at, packA: at + 256, packB: at + 256 + align(MC * KC * 8) };
      at = s.packB + align(KC * NC * 8);
      return s;
    };
    this.scratch = [one(), one()];
    this.memory = new LinearMemory(memory, at, core.zeroBytes);
    this.threads = new WasmThreads(module, memory, controlByte);
  }

  /** The module's functions `names` (a kernel file's own set), checked to exist. */
  functions<K extends string>(names: readonly K[]): Record<K, WasmFn> {
    return exportedFunctions(this.exports, names);
  }

  /** Runs a shared function on this thread alone (for a task too small to share). */
  alone(name: SharedFunction, args: number[]): void {
    this.threads.resetCounter();
    this.sharedFunction(name)(...args);
  }

  /**
   * Runs a shared function here with `own` arguments and offers it to the worker with `theirs` (the
   * same but the worker's scratch buffers); see WasmThreads.share.
   */
  shared(name: SharedFunction, own: number[], theirs: number[]): void {
    const fn = this.sharedFunction(name);
    this.threads.share(name, (args) => fn(...args), own, theirs);
  }

  private sharedFunction(name: SharedFunction): WasmFn {
    let fn = this.sharedFns.get(name);
    if (fn === undefined) {
      fn = this.functions([name])[name];
      this.sharedFns.set(name, fn);
    }
    return fn;
  }
}

/**
 * A kernel file's module functions, looked up (and checked) once per engine:
 *   const fns = moduleFunctions(["reluF64", "reluF32"]);  ...  fns(e).reluF64(px, po, n)
 */
export function moduleFunctions<K extends string>(names: readonly K[]): (e: WasmEngine) => Record<K, WasmFn> {
  let bound: { e: WasmEngine; fns: Record<K, WasmFn> } | null = null;
  return (e) => {
    if (bound === null || bound.e !== e) bound = { e, fns: e.functions(names) };
    return bound.fns;
  };
}

let engine_: WasmEngine | null = null;
let failure: Error | null = null;

/** The engine, instantiated on first use (synchronously); throws why when WebAssembly SIMD is unavailable. */
export function engine(): WasmEngine {
  if (engine_ !== null) return engine_;
  if (failure !== null) throw failure;
  try {
    const { bytes, fma } = chooseModule();
    engine_ = new WasmEngine(bytes, fma);
  } catch (e) {
    failure = e instanceof Error ? e : new Error(String(e));
    throw failure;
  }
  return engine_;
}

/** The engine if it has been instantiated, else null (never instantiates it). */
export function existingEngine(): WasmEngine | null {
  return engine_;
}

/** The storage of the wasm kernels: their memory (instantiating the engine on first use). */
export const wasmMemory: KernelMemory = {
  allocate: (dtype, length) => engine().memory.allocate(dtype, length),
  fillZero: (s: Storage) => engine().memory.fillZero(s),
};

/**
 * The engine when the active kernels keep their storage in its memory (the wasm kernels, or kernels
 * built on them), else null: the fused wasm kernels run only then, so that setKernels(null) means
 * plain TypeScript throughout.
 */
export function activeEngine(): WasmEngine | null {
  return engine_ !== null && kernels().memory === wasmMemory ? engine_ : null;
}
