/** Element types. float64 is the default everywhere; float32 is opt-in for speed and memory. */
export type DType = "float64" | "float32";
export type Storage = Float64Array | Float32Array;

export const DEFAULT_DTYPE: DType = "float64";

/** A fresh zeroed array, never from an arena: for state that outlives a step. */
export function allocatePersistent(dtype: DType, length: number): Storage {
  return dtype === "float64" ? new Float64Array(length) : new Float32Array(length);
}

export function dtypeOf(storage: Storage): DType {
  return storage instanceof Float64Array ? "float64" : "float32";
}
