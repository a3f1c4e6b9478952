import { softmaxRows } from "../layers/softmax";
import type { Tensor } from "../tensor/tensor";
import { checkScores, classIndices, type Labels } from "./labels";

/**
 * Softmax cross-entropy, averaged over the batch:
 *   p = softmax(s) row by row,  L = -(1/N) sum_i log p[i, y_i],  dL/ds = (p - onehot(y)) / N.
 * Stable for any logits: -log p[i, y] = lse_i - s[i, y] with the row's log-sum-exp (never the log
 * of a probability that rounded to zero).
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Labels): { loss: number; grad: Tensor; probs: Tensor } {
  const [n, c] = checkScores(logits, "softmaxCrossEntropy");
  const y = classIndices(labels, n, c, "softmaxCrossEntropy");
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
