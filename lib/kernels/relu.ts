// INSTRUCTOR ONLY: the ReLU kernels compute the ReLU solution (the fast path of lib/layers/activations.ts)
import type { Storage } from "../tensor/dtype";
import { checkSameLength } from "./interface";
import { kernels } from "./kernels";
import { wasmRelu, wasmReluBackward } from "./wasm/relu";

/*
 * ReLU over raw storage, for the ReLU layer's fast path. Each function runs the active kernels' fused
 * version if they have one, else the WebAssembly loop when the arrays live in its memory, else the
 * plain loop here, which defines the result bit for bit.
 * An answer of an assignment: a student kit drops this file with wasm/relu.ts and wasm/assembly/relu.ts.
 */

/** out = x > 0 ? x : 0 entry by entry (same lengths and type). */
export function relu(x: Storage, out: Storage): void {
  checkSameLength("relu", x, out);
  const fused = kernels().fused?.relu;
  if (fused !== undefined) fused(x, out);
  else if (!wasmRelu(x, out)) reluReference(x, out);
}

/** dx = dout * (x > 0 ? 1 : 0) entry by entry. */
export function reluBackward(x: Storage, dout: Storage, dx: Storage): void {
  checkSameLength("reluBackward", x, dout, dx);
  const fused = kernels().fused?.reluBackward;
  if (fused !== undefined) fused(x, dout, dx);
  else if (!wasmReluBackward(x, dout, dx)) reluBackwardReference(x, dout, dx);
}

/** ReLU's forward: out = x > 0 ? x : 0 (so NaN and -0 give +0). */
export function reluReference(x: Storage, out: Storage): void {
  checkSameLength("relu", x, out);
  for (let i = 0; i < out.length; i++) out[i] = x[i]! > 0 ? x[i]! : 0;
}

/** ReLU's backward: dx = dout * (x > 0 ? 1 : 0), a multiply so that dout's sign and NaN carry through. */
export function reluBackwardReference(x: Storage, dout: Storage, dx: Storage): void {
  checkSameLength("reluBackward", x, dout, dx);
  for (let i = 0; i < dx.length; i++) dx[i] = dout[i]! * (x[i]! > 0 ? 1 : 0);
}
