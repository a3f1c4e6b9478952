import { Tensor } from "../tensor/tensor";
import type { DType } from "../tensor/dtype";

/**
 * How a loss turns its per-sample (or per-element) losses l_i into what it returns, as PyTorch's
 * `reduction`: "mean" (the default) averages them, "sum" adds them, "none" returns them all as a tensor.
 * What "mean" divides by is each loss's own definition, given in its comment (the batch size N for the
 * classification losses, the number of elements for the elementwise regression losses, the total weight
 * for a weighted NLL), as in PyTorch.
 */
export type Reduction = "mean" | "sum" | "none";

/** What a loss returns: the loss (a number; for "none" the tensor of the l_i) and dL/d(input). */
export interface LossResult<R extends Reduction = "mean"> {
  loss: R extends "none" ? Tensor : number;
  /**
   * dL/d(input), shaped like the input. For "none" it is the gradient of sum_i l_i: each l_i depends on
   * its own sample only, so the rows are the samples' own gradients (scale row i by w_i to get the
   * gradient of sum_i w_i l_i).
   */
  grad: Tensor;
}

/** The option every loss takes (some take more). */
export interface ReductionOptions<R extends Reduction = Reduction> {
  /** "mean" (default), "sum" or "none": see Reduction. */
  reduction?: R;
}

/** The reduction asked for, refusing anything but the three names (a typo would otherwise mean "mean"). */
export function reductionOf(opts: ReductionOptions | undefined, where: string): Reduction {
  const r: unknown = opts?.reduction ?? "mean";
  if (r !== "mean" && r !== "sum" && r !== "none")
    throw new Error(`${where}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(r)}`);
  return r;
}

/**
 * Applies a reduction. `losses` holds the l_i in float64 (so a float32 loss is summed without
 * rounding each term), `shape` is the shape "none" returns, and `grad` holds dl_i/d(input) for every i,
 * which this scales in place by 1/divisor for "mean":
 *   "mean": L = (1/divisor) sum_i l_i,  dL/dx = (1/divisor) sum_i dl_i/dx
 *   "sum":  L = sum_i l_i,              dL/dx = sum_i dl_i/dx
 *   "none": L = (l_1, ..., l_n) as a tensor of the input's dtype, grad as for "sum".
 */
export function reduceLosses(
  losses: Float64Array,
  shape: readonly number[],
  dtype: DType,
  grad: Tensor,
  reduction: Reduction,
  divisor: number,
): LossResult<Reduction> {
  if (reduction === "none") {
    const out = Tensor.zeros(shape, dtype);
    out.data.set(losses);
    return { loss: out, grad };
  }
  let total = 0;
  for (let i = 0; i < losses.length; i++) total += losses[i]!;
  if (reduction === "sum") return { loss: total, grad };
  grad.mulInPlace(1 / divisor);
  return { loss: total / divisor, grad };
}
