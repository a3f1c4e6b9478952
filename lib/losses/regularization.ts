import type { Parameter } from "../layers/layer";

/**
 * L2 weight regularisation over the parameters marked `decay` (weights, not biases or BatchNorm):
 *   "half" (default):  R = 0.5 * reg * sum ||W||^2,  dR/dW = reg * W
 *   "full" (cs231n):   R = reg * sum ||W||^2,        dR/dW = 2 * reg * W
 * Adds dR/dW to each parameter's grad (call it after backward) and returns R.
 */
export function l2Regularization(
  params: readonly Parameter[],
  reg: number,
  convention: "half" | "full" = "half",
): number {
  if (!(reg >= 0)) throw new Error(`l2Regularization: reg must be >= 0, got ${reg}`);
  const scale = convention === "half" ? 0.5 : 1;
  let penalty = 0;
  for (const p of params) {
    if (!p.decay) continue;
    const w = p.value.data;
    const g = p.grad.data;
    let sq = 0;
    for (let i = 0; i < w.length; i++) {
      sq += w[i]! * w[i]!;
      g[i] += 2 * scale * reg * w[i]!;
    }
    penalty += scale * reg * sq;
  }
  return penalty;
}
