import type { WasmMemory, WasmModule } from "./module";

/*
 * How the calling thread and the worker thread (worker.js) share a task, through a control block in
 * the shared memory: Int32 slots, then the task's parameters as Float64.
 *
 * STATE is seq << 2 | phase for the current shared task: phase 0 = posted, 1 = the worker joined,
 * 2 = the caller finished every chunk before the worker showed up and closed it (the worker then skips
 * it and never reads its parameters, so the caller may move on at once). DONE is the last seq the
 * worker finished. READY is 0 while the worker starts, 1 once it runs, -1 if it could not. ERROR is 1
 * when the worker's part of the last task threw. COUNTER is the chunk counter the wasm code increments
 * atomically: both threads take chunks from it, so a late worker costs nothing but its help.
 */
export const CONTROL = {
  STATE: 0,
  DONE: 1,
  READY: 2,
  ERROR: 3,
  COUNTER: 4,
  /** Int32 slots in the block. */
  INTS: 16,
  /** Float64 parameter slots after them: [0] the function's index in SHARED_FUNCTIONS, [1] the argument count, then the arguments. */
  PARAMS: 32,
} as const;

/** Bytes of the control block. */
export const CONTROL_BYTES = CONTROL.INTS * 4 + CONTROL.PARAMS * 8;

/** The exported functions a worker can join, by index (the index is what the control block carries). */
export const SHARED_FUNCTIONS = [
  "gemmSharedF64",
  "gemmSharedF32",
  "convForwardF64",
  "convForwardF32",
  "convBackwardF64",
  "convBackwardF32",
  "sgdSharedF64",
  "sgdSharedF32",
  "planeSumsSharedF64",
  "planeSumsSharedF32",
] as const;
export type SharedFunction = (typeof SHARED_FUNCTIONS)[number];

/** What the worker is started with (its workerData). */
export interface WorkerData {
  /** The compiled module, instantiated again in the worker on the same memory. */
  module: WasmModule;
  memory: WasmMemory;
  /** Byte address of the control block. */
  controlByte: number;
  control: typeof CONTROL;
  sharedFunctions: readonly string[];
  /** How long the idle worker keeps polling before it sleeps in Atomics.wait, in milliseconds. */
  spinMs: number;
}
