import { broadcastShapes, sameShape, shapeStr } from "../tensor/shape";
import { Tensor } from "../tensor/tensor";
import { checkPair } from "./regression";
import { reduceLosses, reductionOf, type LossResult, type Reduction, type ReductionOptions } from "./reduction";

/** bceWithLogitsLoss's options: the reduction and the positive weight. */
export interface BceOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /**
   * Weight p of the positive term, PyTorch's `pos_weight`: a number, or a tensor that broadcasts to the
   * logits' shape (usually one per class, [C]); p > 1 favours recall. Default 1.
   */
  posWeight?: number | Tensor;
}

/**
 * Binary cross-entropy on logits x with targets y in [0, 1] (PyTorch's BCEWithLogitsLoss), elementwise,
 * with sigma the logistic function, p the positive weight and w = 1 + (p - 1) y:
 *   l = -[p y log sigma(x) + (1 - y) log(1 - sigma(x))] = (1 - y) x + w softplus(-x),
 *   dl/dx = w sigma(x) - p y   (= sigma(x) - y when p = 1);
 * "mean" (default) over all M = x.size elements: L = (1/M) sum l, dL/dx = dl/dx / M; "sum"; "none" (x's shape).
 * Computed without cancellation for any logit, from e = e^-|x| <= 1 and s = e / (1 + e), the smaller
 * of sigma(x) and sigma(-x):
 *   x >= 0:  l = (1 - y) x + w log1p(e),  dl/dx = (1 - y) - w s;
 *   x < 0:   l = -p y x + w log1p(e),     dl/dx = w s - p y.
 * (PyTorch 1.13 rounds the loss log(1 + e^-40) of x = -40, y = 0 and x = 40, y = 1 to 0, and the slope
 * -e^-40 of the latter too: far below any tolerance, but these are exact.)
 */
export function bceWithLogitsLoss<R extends Reduction = "mean">(
  logits: Tensor,
  target: Tensor,
  opts?: BceOptions<R>,
): LossResult<R>;
export function bceWithLogitsLoss(logits: Tensor, target: Tensor, opts: BceOptions = {}): LossResult<Reduction> {
  const reduction = reductionOf(opts, "bceWithLogitsLoss");
  checkPair(logits, target, "bceWithLogitsLoss");
  for (let i = 0; i < target.size; i++) {
    const t = target.data[i]!;
    if (!(t >= 0 && t <= 1))
      throw new Error(`bceWithLogitsLoss: targets must lie in [0, 1], got ${t} at flat index ${i}`);
  }
  const pw = positiveWeights(opts.posWeight, logits.shape);
  const grad = Tensor.zerosLike(logits);
  const losses = new Float64Array(logits.size);
  for (let i = 0; i < logits.size; i++) {
    const x = logits.data[i]!;
    const y = target.data[i]!;
    const p = pw === null ? 1 : pw[i]!;
    const w = 1 + (p - 1) * y;
    const e = Math.exp(-Math.abs(x));
    const s = e / (1 + e);
    losses[i] = (x >= 0 ? (1 - y) * x : -p * y * x) + w * Math.log1p(e);
    grad.data[i] = x >= 0 ? 1 - y - w * s : w * s - p * y;
  }
  return reduceLosses(losses, logits.shape, logits.dtype, grad, reduction, logits.size);
}

/** posWeight broadcast to one value per element (null: all 1), finite and >= 0. */
function positiveWeights(posWeight: number | Tensor | undefined, shape: readonly number[]): ArrayLike<number> | null {
  if (posWeight === undefined) return null;
  const given = posWeight instanceof Tensor ? shapeStr(posWeight.shape) : "a number";
  if (posWeight instanceof Tensor) {
    let fits = false;
    try {
      fits = sameShape(broadcastShapes(posWeight.shape, shape), shape);
    } catch {
      // not broadcastable: fits stays false
    }
    if (!fits)
      throw new Error(
        `bceWithLogitsLoss: posWeight ${given} does not broadcast to the logits' shape ${shapeStr(shape)}`,
      );
  }
  const w = Tensor.zeros(shape).add(posWeight).data;
  for (let i = 0; i < w.length; i++)
    if (!(Number.isFinite(w[i]) && w[i]! >= 0))
      throw new Error(`bceWithLogitsLoss: posWeight must be finite and >= 0, got ${w[i]} (posWeight is ${given})`);
  return w;
}
