import type { Storage } from "../tensor/dtype";
import { kernels } from "./kernels";
import { wasmAllFinite } from "./wasm/elementwise";

/*
 * Whether every entry is finite, for the tensor's NaN checks and the optimizers' gradient checks (run on
 * every gradient of every step). Runs the active kernels' fused version if they have one, else the
 * WebAssembly loop when the array lives in its memory, else the plain loop here.
 */

/** No NaN and no +-Inf. */
export function allFinite(s: Storage): boolean {
  const fused = kernels().fused?.allFinite;
  if (fused !== undefined) return fused(s);
  return wasmAllFinite(s) ?? allFiniteReference(s);
}

/**
 * One branch-free pass (x * 0 is 0 for finite x and NaN for NaN and +-Inf), with four partial sums so
 * the adds do not wait on each other.
 */
export function allFiniteReference(d: Storage): boolean {
  let p0 = 0,
    p1 = 0,
    p2 = 0,
    p3 = 0;
  let i = 0;
  const n = d.length;
  for (; i + 4 <= n; i += 4) {
    p0 += d[i]! * 0;
    p1 += d[i + 1]! * 0;
    p2 += d[i + 2]! * 0;
    p3 += d[i + 3]! * 0;
  }
  for (; i < n; i++) p0 += d[i]! * 0;
  return p0 + p1 + p2 + p3 === 0;
}
