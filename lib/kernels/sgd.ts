import type { SgdStepArgs } from "./interface";
import { kernels } from "./kernels";
import { wasmSgdStep } from "./wasm/elementwise";

/*
 * One SGD update over raw storage, for the SGD optimizer. Runs the active kernels' fused version if
 * they have one, else the WebAssembly loop when the arrays live in its memory (parameters do under
 * the wasm kernels), else the plain loop here, which defines the result bit for bit.
 */

/** The SGD update in place (see SgdStepArgs). */
export function sgdStep(p: SgdStepArgs): void {
  checkSgdStep(p);
  const fused = kernels().fused?.sgdStep;
  if (fused !== undefined) fused(p);
  else if (!wasmSgdStep(p)) sgdStepReference(p);
}

/** The SGD update (see SgdStepArgs); the arithmetic is in float64, rounded on store for float32. */
export function sgdStepReference(p: SgdStepArgs): void {
  checkSgdStep(p);
  const { w, g, lr, momentum: mu, weightDecay: wd, nesterov } = p;
  const n = w.length;
  if (mu === 0) {
    // Without decay the loop is one multiply-add (a measurable part of a small model's step).
    if (wd === 0) for (let i = 0; i < n; i++) w[i] -= lr * g[i]!;
    else for (let i = 0; i < n; i++) w[i] -= lr * (g[i]! + wd * w[i]!);
    return;
  }
  const v = p.v!;
  for (let i = 0; i < n; i++) {
    const gi = g[i]! + wd * w[i]!;
    v[i] = mu * v[i]! + gi;
    w[i] -= lr * (nesterov ? gi + mu * v[i]! : v[i]!);
  }
}

function checkSgdStep(p: SgdStepArgs): void {
  const n = p.w.length;
  if (p.g.length !== n || (p.momentum !== 0 && (p.v === null || p.v.length !== n))) {
    throw new Error(`sgdStep: weights have ${n} entries, gradient ${p.g.length}, velocity ${p.v?.length ?? "none"}`);
  }
}
