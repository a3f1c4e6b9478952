import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";
import { checkFinite } from "./labels";

function checkPair(pred: Tensor, target: Tensor, where: string): void {
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
 * Mean squared error over every element (M = pred.size, not the batch size; no factor 1/2):
 *   L = (1/M) sum (pred - target)^2,  dL/dpred = 2 (pred - target) / M.
 * Same as PyTorch's MSELoss / tf.losses.meanSquaredError with mean reduction.
 */
export function mseLoss(pred: Tensor, target: Tensor): { loss: number; grad: Tensor } {
  checkPair(pred, target, "mseLoss");
  const diff = pred.sub(target);
  const m = pred.size;
  let loss = 0;
  for (let i = 0; i < m; i++) loss += diff.data[i]! * diff.data[i]!;
  return { loss: loss / m, grad: diff.mulInPlace(2 / m) };
}

/**
 * The L2 loss of the CNN-with-L2 assignment, half the squared error summed per example and averaged over
 * the batch (N = first axis; 1 for a scalar):
 *   L = (1/(2N)) sum (pred - target)^2,  dL/dpred = (pred - target) / N.
 * For pred [N, 1] this is exactly mseLoss / 2.
 */
export function l2Loss(pred: Tensor, target: Tensor): { loss: number; grad: Tensor } {
  checkPair(pred, target, "l2Loss");
  // BEGIN SOLUTION l2Loss (loss = sum (pred - target)^2 / 2N and its gradient)
  const diff = pred.sub(target);
  const n = batchSize(pred);
  let sq = 0;
  for (let i = 0; i < diff.size; i++) sq += diff.data[i]! * diff.data[i]!;
  return { loss: sq / (2 * n), grad: diff.mulInPlace(1 / n) };
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
