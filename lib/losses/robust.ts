import type { Tensor } from "../tensor/tensor";
import { elementwiseLoss } from "./regression";
import type { LossResult, Reduction, ReductionOptions } from "./reduction";

// Regression losses that grow linearly for large errors, so outliers pull less than under MSE. Each is
// elementwise in d = pred - target, and "mean" (the default) averages over all M = pred.size elements,
// as in PyTorch; "sum" adds, "none" returns l(d) shaped like pred. Their kinks (L1 at d = 0, and the
// switch between the two pieces, where the slope is continuous but the curvature is not) are the
// documented exceptions of a gradient check: keep d away from them.

/**
 * Mean absolute error, PyTorch's L1Loss:  l = |d|,  dl/dd = sign(d)  (0 at d = 0, as PyTorch).
 */
export function l1Loss<R extends Reduction = "mean">(
  pred: Tensor,
  target: Tensor,
  opts?: ReductionOptions<R>,
): LossResult<R>;
export function l1Loss(pred: Tensor, target: Tensor, opts: ReductionOptions = {}): LossResult<Reduction> {
  return elementwiseLoss(pred, target, opts, "l1Loss", Math.abs, Math.sign);
}

/** huberLoss's options: the reduction and delta. */
export interface HuberOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** Where the loss turns from quadratic to linear (default 1), > 0. */
  delta?: number;
}

/**
 * Huber loss, PyTorch's HuberLoss with its `delta`:
 *   l = d^2 / 2 for |d| < delta,  delta (|d| - delta / 2) otherwise;
 *   dl/dd = d for |d| < delta,  delta sign(d) otherwise.
 */
export function huberLoss<R extends Reduction = "mean">(
  pred: Tensor,
  target: Tensor,
  opts?: HuberOptions<R>,
): LossResult<R>;
export function huberLoss(pred: Tensor, target: Tensor, opts: HuberOptions = {}): LossResult<Reduction> {
  const delta = opts.delta ?? 1;
  if (!(delta > 0 && Number.isFinite(delta)))
    throw new Error(`huberLoss: delta must be a finite number > 0, got ${delta}`);
  return elementwiseLoss(
    pred,
    target,
    opts,
    "huberLoss",
    (d) => (Math.abs(d) < delta ? (d * d) / 2 : delta * (Math.abs(d) - delta / 2)),
    (d) => (Math.abs(d) < delta ? d : delta * Math.sign(d)),
  );
}

/** smoothL1Loss's options: the reduction and beta. */
export interface SmoothL1Options<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** Where the loss turns from quadratic to linear (default 1), >= 0; 0 gives l1Loss. */
  beta?: number;
}

/**
 * Smooth L1 loss (Fast R-CNN), PyTorch's SmoothL1Loss with its `beta`; it is huberLoss / beta:
 *   l = d^2 / (2 beta) for |d| < beta,  |d| - beta / 2 otherwise;
 *   dl/dd = d / beta for |d| < beta,  sign(d) otherwise.
 */
export function smoothL1Loss<R extends Reduction = "mean">(
  pred: Tensor,
  target: Tensor,
  opts?: SmoothL1Options<R>,
): LossResult<R>;
export function smoothL1Loss(pred: Tensor, target: Tensor, opts: SmoothL1Options = {}): LossResult<Reduction> {
  const beta = opts.beta ?? 1;
  if (!(beta >= 0 && Number.isFinite(beta)))
    throw new Error(`smoothL1Loss: beta must be a finite number >= 0, got ${beta}`);
  return elementwiseLoss(
    pred,
    target,
    opts,
    "smoothL1Loss",
    (d) => (Math.abs(d) < beta ? (d * d) / (2 * beta) : Math.abs(d) - beta / 2),
    (d) => (Math.abs(d) < beta ? d / beta : Math.sign(d)),
  );
}
