import { Tensor } from "../tensor/tensor";
import { checkScores, classIndices, type Labels } from "./labels";
import { reduceLosses, reductionOf, type LossResult, type Reduction, type ReductionOptions } from "./reduction";

/** hingeLoss's options: the reduction and the margin. */
export interface HingeOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** The margin Delta (default 1), >= 0. */
  margin?: number;
}

/**
 * Multiclass SVM (hinge) loss, Weston-Watkins form as in cs231n, per sample
 *   l_i = sum_{j != y_i} max(0, s_ij - s_iy_i + margin),
 *   dl_i/ds_ij = [margin_ij > 0] for j != y_i,  dl_i/ds_iy_i = -(number of positive margins in row i);
 * "mean" (default) over the batch: L = (1/N) sum_i l_i; "sum"; "none" [N]. The third argument is the
 * margin or the options. PyTorch's MultiMarginLoss divides each l_i by the number of classes as well.
 * The kink is at margin_ij = 0 exactly; gradient checks keep inputs away from it.
 */
export function hingeLoss<R extends Reduction = "mean">(
  scores: Tensor,
  labels: Labels,
  opts?: number | HingeOptions<R>,
): LossResult<R>;
export function hingeLoss(scores: Tensor, labels: Labels, opts: number | HingeOptions = {}): LossResult<Reduction> {
  const options = typeof opts === "number" ? { margin: opts } : opts;
  const margin = options.margin ?? 1;
  if (!Number.isFinite(margin) || margin < 0)
    throw new Error(`hingeLoss: margin must be a finite number >= 0, got ${margin}`);
  const reduction = reductionOf(options, "hingeLoss");
  const [n, c] = checkScores(scores, "hingeLoss");
  const y = classIndices(labels, n, c, "hingeLoss");
  const s = scores.data;
  const grad = Tensor.zeros([n, c], scores.dtype);
  const g = grad.data;
  const losses = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * c;
    const correct = s[row + y[i]!]!;
    let positive = 0;
    for (let j = 0; j < c; j++) {
      if (j === y[i]) continue;
      const m = s[row + j]! - correct + margin;
      if (m > 0) {
        losses[i] += m;
        g[row + j] = 1;
        positive++;
      }
    }
    g[row + y[i]!]! -= positive; // 0 - 0 keeps +0 for rows without violations
  }
  return reduceLosses(losses, [n], scores.dtype, grad, reduction, n);
}
