import { softmaxRows } from "../layers/softmax";
import type { Tensor } from "../tensor/tensor";
import { checkScores, classIndices, type Labels } from "./labels";
import { reduceLosses, reductionOf, type LossResult, type Reduction, type ReductionOptions } from "./reduction";

/**
 * Softmax cross-entropy (PyTorch's CrossEntropyLoss with class indices), per sample
 *   p = softmax(s) row by row,  l_i = -log p[i, y_i],  dl_i/ds_i = p_i - onehot(y_i);
 * "mean" (default) over the batch: L = (1/N) sum_i l_i, dL/ds = (p - onehot(y)) / N; "sum"; "none" [N].
 * Stable for any logits: -log p[i, y] = lse_i - s[i, y] with the row's log-sum-exp (never the log
 * of a probability that rounded to zero). Also returns the probabilities p.
 */
export function softmaxCrossEntropy<R extends Reduction = "mean">(
  logits: Tensor,
  labels: Labels,
  opts?: ReductionOptions<R>,
): LossResult<R> & { probs: Tensor };
export function softmaxCrossEntropy(
  logits: Tensor,
  labels: Labels,
  opts: ReductionOptions = {},
): LossResult<Reduction> & { probs: Tensor } {
  const [n, c] = checkScores(logits, "softmaxCrossEntropy");
  const y = classIndices(labels, n, c, "softmaxCrossEntropy");
  // The assignment below is the mean; the other reductions need the per-sample losses.
  const reduction = reductionOf(opts, "softmaxCrossEntropy");
  if (reduction !== "mean") return perSampleCrossEntropy(logits, y, reduction);
  // BEGIN SOLUTION softmaxCrossEntropy (stable loss and dL/dlogits = (softmax - onehot) / N)
  const { probs, lse } = softmaxRows(logits);
  let loss = 0;
  for (let i = 0; i < n; i++) loss += lse[i]! - logits.data[i * c + y[i]!]!;
  const grad = probs.clone();
  const g = grad.data;
  for (let i = 0; i < n; i++) g[i * c + y[i]!]! -= 1;
  grad.mulInPlace(1 / n);
  return { loss: loss / n, grad, probs };
  // END SOLUTION
}

/** softmaxCrossEntropy's l_i = lse_i - s[i, y_i] per sample, reduced ("sum" or "none"). */
function perSampleCrossEntropy(
  logits: Tensor,
  y: Int32Array,
  reduction: Reduction,
): LossResult<Reduction> & { probs: Tensor } {
  const [n, c] = logits.shape as [number, number];
  const { probs, lse } = softmaxRows(logits);
  const losses = new Float64Array(n);
  const grad = probs.clone();
  for (let i = 0; i < n; i++) {
    losses[i] = lse[i]! - logits.data[i * c + y[i]!]!;
    grad.data[i * c + y[i]!]! -= 1;
  }
  return { ...reduceLosses(losses, [n], logits.dtype, grad, reduction, n), probs };
}
