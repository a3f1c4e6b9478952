// INSTRUCTOR ONLY: the ReLU kernels compute the ReLU solution (the fast path of lib/layers/activations.ts)
import type { Storage } from "../../tensor/dtype";
import { sameStorage } from "../interface";
import { activeEngine, moduleFunctions } from "./engine";

/*
 * ReLU's forward and backward in the memory (wasm/assembly/relu.ts), with exactly the bits of the plain
 * loops in lib/kernels/relu.ts. An answer of an assignment: a student kit drops this file with
 * lib/kernels/relu.ts.
 */

/** relu: (x, out, n); reluBackward: (x, dout, dx, n). */
const fns = moduleFunctions(["reluF64", "reluF32", "reluBackwardF64", "reluBackwardF32"]);

/** reluReference in the memory when x and out both live there (same lengths, checked by the caller); false otherwise. */
export function wasmRelu(x: Storage, out: Storage): boolean {
  const e = activeEngine();
  if (e === null) return false;
  const px = e.memory.addressOf(x),
    po = e.memory.addressOf(out);
  if (px < 0 || po < 0 || !sameStorage(x, out)) return false;
  (x instanceof Float64Array ? fns(e).reluF64 : fns(e).reluF32)(px, po, x.length);
  return true;
}

/** reluBackwardReference in the memory when x, dout and dx all live there; false otherwise. */
export function wasmReluBackward(x: Storage, dout: Storage, dx: Storage): boolean {
  const e = activeEngine();
  if (e === null) return false;
  const px = e.memory.addressOf(x),
    pd = e.memory.addressOf(dout),
    pdx = e.memory.addressOf(dx);
  if (px < 0 || pd < 0 || pdx < 0 || !sameStorage(x, dout, dx)) return false;
  (x instanceof Float64Array ? fns(e).reluBackwardF64 : fns(e).reluBackwardF32)(px, pd, pdx, x.length);
  return true;
}
