import { activeArena } from "./arena";

/** Element types. float64 is the default everywhere; float32 is opt-in for speed and memory. */
export type DType = "float64" | "float32";
export type Storage = Float64Array | Float32Array;

export const DEFAULT_DTYPE: DType = "float64";

/** Zeroed storage: from the step arena while one is active (see arena.ts), else a fresh array. */
export function allocate(dtype: DType, length: number): Storage {
  return activeArena()?.take(dtype, length) ?? allocatePersistent(dtype, length);
}

/**
 * Zeroed int32 indices (e.g. max pooling's argmax), cut from the same storage as `allocate("float32")`:
 * a step arena's, so under the wasm kernels they live in their memory too.
 */
export function allocateIndices(length: number): Int32Array {
  const s = allocate("float32", length);
  return new Int32Array(s.buffer, s.byteOffset, length);
}

/** A fresh zeroed array, never from an arena: for state that outlives a step. */
export function allocatePersistent(dtype: DType, length: number): Storage {
  return dtype === "float64" ? new Float64Array(length) : new Float32Array(length);
}

export function dtypeOf(storage: Storage): DType {
  return storage instanceof Float64Array ? "float64" : "float32";
}
