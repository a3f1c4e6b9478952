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
  const [n] = checkScores(logits, "softmaxCrossEntropy");
  const y = classIndices(labels, n, logits.shape[1]!, "softmaxCrossEntropy");
  const reduction = reductionOf(opts, "softmaxCrossEntropy");
  const { losses, grad, probs } = crossEntropyPerSample(logits, y);
  return { ...reduceLosses(losses, [n], logits.dtype, grad, reduction, n), probs };
}

/**
 * The per-sample losses l_i = -log softmax(s_i)[y_i] = lse_i - s[i, y_i] (lse_i: the row's
 * log-sum-exp, so a probability that rounds to zero never reaches a log), their gradients
 * dl_i/ds_i = softmax(s_i) - onehot(y_i) as the rows of `grad`, and the probabilities.
 */
function crossEntropyPerSample(logits: Tensor, y: Int32Array): { losses: Float64Array; grad: Tensor; probs: Tensor } {
  const [n, c] = logits.shape as [number, number];
  // BEGIN SOLUTION softmaxCrossEntropy (per sample l_i = lse_i - s[i, y_i] and dl_i/ds_i = softmax(s_i) - onehot(y_i))
  const { probs, lse } = softmaxRows(logits);
  const losses = new Float64Array(n);
  const grad = probs.clone();
  for (let i = 0; i < n; i++) {
    losses[i] = lse[i]! - logits.data[i * c + y[i]!]!;
    grad.data[i * c + y[i]!]! -= 1;
  }
  return { losses, grad, probs };
  // END SOLUTION
}
