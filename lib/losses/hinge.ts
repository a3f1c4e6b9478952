import { Tensor } from "../tensor/tensor";
import { checkScores, classIndices, type Labels } from "./labels";

/**
 * Multiclass SVM (hinge) loss, Weston-Watkins form as in cs231n, averaged over the batch:
 *   L = (1/N) sum_i sum_{j != y_i} max(0, s_ij - s_iy_i + margin)
 *   dL/ds_ij = [margin_ij > 0] / N for j != y_i,  dL/ds_iy_i = -(number of positive margins in row i) / N.
 * The kink is at margin_ij = 0 exactly; gradient checks keep inputs away from it.
 */
export function hingeLoss(scores: Tensor, labels: Labels, margin = 1): { loss: number; grad: Tensor } {
  if (!Number.isFinite(margin) || margin < 0)
    throw new Error(`hingeLoss: margin must be a finite number >= 0, got ${margin}`);
  const [n, c] = checkScores(scores, "hingeLoss");
  const y = classIndices(labels, n, c, "hingeLoss");
  const s = scores.data;
  const grad = Tensor.zeros([n, c], scores.dtype);
  const g = grad.data;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    const correct = s[row + y[i]!]!;
    let positive = 0;
    for (let j = 0; j < c; j++) {
      if (j === y[i]) continue;
      const m = s[row + j]! - correct + margin;
      if (m > 0) {
        loss += m;
        g[row + j] = 1 / n;
        positive++;
      }
    }
    g[row + y[i]!]! -= positive / n; // 0 - 0 keeps +0 for rows without violations
  }
  return { loss: loss / n, grad };
}
