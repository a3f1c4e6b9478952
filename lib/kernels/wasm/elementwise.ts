import type { Storage } from "../../tensor/dtype";
import { sameStorage, type SgdStepArgs } from "../interface";
import { activeEngine, MAX_ELEMENTWISE_CHUNKS, moduleFunctions, PARALLEL_MIN_ENTRIES } from "./engine";

/*
 * The optimizer's loops in the memory (wasm/assembly/elementwise.ts), with exactly the bits of the
 * plain loops: the finiteness check of every gradient (lib/kernels/finite.ts) and the SGD update
 * (lib/kernels/sgd.ts, shared with the worker for a large layer).
 */

/** allFinite: (ptr, n) -> 1 if all finite; sgd: (w, g, v, n, lr, momentum, weightDecay, nesterov). */
const fns = moduleFunctions(["allFiniteF64", "allFiniteF32", "sgdF64", "sgdF32"]);

/** Whether every entry of s is finite, computed in the memory when s lives there; null otherwise. */
export function wasmAllFinite(s: Storage): boolean | null {
  const e = activeEngine();
  const at = e === null ? -1 : e.memory.addressOf(s);
  if (e === null || at < 0) return null;
  return (s instanceof Float64Array ? fns(e).allFiniteF64 : fns(e).allFiniteF32)(at, s.length) === 1;
}

/** sgdStepReference in the memory when the weights, gradient and velocity all live there (checked lengths); false otherwise. */
export function wasmSgdStep(p: SgdStepArgs): boolean {
  const e = activeEngine();
  if (e === null) return false;
  const { w, g, v } = p;
  const useV = p.momentum !== 0;
  const pw = e.memory.addressOf(w),
    pg = e.memory.addressOf(g),
    pv = useV && v !== null ? e.memory.addressOf(v) : 0;
  if (pw < 0 || pg < 0 || pv < 0 || !sameStorage(w, g) || (useV && v !== null && !sameStorage(w, v))) return false;
  const f64 = w instanceof Float64Array;
  const args = [pw, pg, pv, w.length, p.lr, p.momentum, p.weightDecay, p.nesterov ? 1 : 0];
  if (w.length < PARALLEL_MIN_ENTRIES) {
    (f64 ? fns(e).sgdF64 : fns(e).sgdF32)(...args);
    return true;
  }
  // A large layer's update (memory-bound, ~0.1 ms for 200k float32 weights) is shared with the worker by chunks.
  const chunk = Math.ceil(w.length / MAX_ELEMENTWISE_CHUNKS / 16) * 16;
  const shared = [...args, chunk, e.threads.counterAddress];
  e.shared(f64 ? "sgdSharedF64" : "sgdSharedF32", shared, shared);
  return true;
}
