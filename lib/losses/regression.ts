import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";
import { checkFinite } from "./labels";
import { reduceLosses, reductionOf, type LossResult, type Reduction, type ReductionOptions } from "./reduction";

/** Checks a prediction and its target: same shape and dtype, non-empty, finite. */
export function checkPair(pred: Tensor, target: Tensor, where: string): void {
  if (pred.ndim !== target.ndim || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(
      `${where}: prediction ${shapeStr(pred.shape)} and target ${shapeStr(target.shape)} must have the same shape`,
    );
  }
  if (pred.dtype !== target.dtype)
    throw new Error(`${where}: dtype mismatch: prediction ${pred.dtype}, target ${target.dtype}`);
  if (pred.size === 0) throw new Error(`${where}: empty prediction`);
  checkFinite(pred, `${where} prediction`);
  checkFinite(target, `${where} target`);
}

function batchSize(t: Tensor): number {
  return t.ndim === 0 ? 1 : t.shape[0]!;
}

/**
 * Mean squared error, PyTorch's MSELoss (no factor 1/2), elementwise with l = (pred - target)^2:
 *   "mean" (default) over all M = pred.size elements, not the batch:  L = (1/M) sum l,  dL/dpred = 2 (pred - target) / M;
 *   "sum":  L = sum l,  dL/dpred = 2 (pred - target);  "none": l shaped like pred.
 * With "mean", the same as tf.losses.meanSquaredError.
 */
export function mseLoss<R extends Reduction = "mean">(
  pred: Tensor,
  target: Tensor,
  opts?: ReductionOptions<R>,
): LossResult<R>;
export function mseLoss(pred: Tensor, target: Tensor, opts: ReductionOptions = {}): LossResult<Reduction> {
  return elementwiseLoss(
    pred,
    target,
    opts,
    "mseLoss",
    (d) => d * d,
    (d) => 2 * d,
  );
}

/**
 * A loss l(d) of each difference d = pred - target, with slope dl/dd, reduced as asked ("mean" over
 * all elements): the shared body of the elementwise regression losses.
 */
export function elementwiseLoss(
  pred: Tensor,
  target: Tensor,
  opts: ReductionOptions,
  where: string,
  loss: (d: number) => number,
  slope: (d: number) => number,
): LossResult<Reduction> {
  const reduction = reductionOf(opts, where);
  checkPair(pred, target, where);
  const grad = pred.sub(target);
  const losses = new Float64Array(grad.size);
  for (let i = 0; i < grad.size; i++) {
    const d = grad.data[i]!;
    losses[i] = loss(d);
    grad.data[i] = slope(d);
  }
  return reduceLosses(losses, pred.shape, pred.dtype, grad, reduction, pred.size);
}

/**
 * The L2 loss of the CNN-with-L2 assignment: half the squared error summed per example, l_i =
 * (1/2) sum_j (pred_ij - target_ij)^2 over example i's entries (N examples along the first axis; a
 * scalar is one example), and dl_i/dpred_i = pred_i - target_i:
 *   "mean" (default) over the batch:  L = (1/(2N)) sum (pred - target)^2,  dL/dpred = (pred - target) / N;
 *   "sum":  L = sum_i l_i,  dL/dpred = pred - target;  "none": the l_i, shape [N].
 * For pred [N, 1] this is exactly mseLoss / 2.
 */
export function l2Loss<R extends Reduction = "mean">(
  pred: Tensor,
  target: Tensor,
  opts?: ReductionOptions<R>,
): LossResult<R>;
export function l2Loss(pred: Tensor, target: Tensor, opts: ReductionOptions = {}): LossResult<Reduction> {
  checkPair(pred, target, "l2Loss");
  const reduction = reductionOf(opts, "l2Loss");
  const n = batchSize(pred);
  const { losses, grad } = l2PerExample(pred, target, n);
  return reduceLosses(losses, [n], pred.dtype, grad, reduction, n);
}

/** The per-example l_i = (1/2) ||pred_i - target_i||^2 and their gradients dl_i/dpred_i = pred_i - target_i. */
function l2PerExample(pred: Tensor, target: Tensor, n: number): { losses: Float64Array; grad: Tensor } {
  // BEGIN SOLUTION l2Loss (per example l_i = ||pred_i - target_i||^2 / 2 and dl_i/dpred_i = pred_i - target_i)
  const diff = pred.sub(target);
  const perExample = diff.size / n;
  const losses = new Float64Array(n);
  for (let j = 0; j < diff.size; j++) losses[Math.floor(j / perExample)] += (diff.data[j]! * diff.data[j]!) / 2;
  return { losses, grad: diff };
  // END SOLUTION
}

/** Euclidean distance ||a - b||_2 over all elements (the "final L2 norm" between two models' outputs). */
export function l2Distance(a: Tensor, b: Tensor): number {
  checkPair(a, b, "l2Distance");
  let sq = 0;
  for (let i = 0; i < a.size; i++) {
    const d = a.data[i]! - b.data[i]!;
    sq += d * d;
  }
  return Math.sqrt(sq);
}
