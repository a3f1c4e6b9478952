import { Tensor } from "../tensor/tensor";
import { checkScores, classIndices, type Labels } from "./labels";
import { reduceLosses, reductionOf, type LossResult, type Reduction, type ReductionOptions } from "./reduction";

/** nllLoss's options: the reduction, class weights and an ignored label. */
export interface NllOptions<R extends Reduction = Reduction> extends ReductionOptions<R> {
  /** A weight per class, w_c >= 0 (default all 1): PyTorch's `weight`. A Tensor [C] or C numbers. */
  weight?: Tensor | readonly number[];
  /**
   * Samples with this label add nothing to the loss, its gradient or the mean's divisor: PyTorch's
   * `ignore_index` (whose default is -100; here ignoring is opt-in, so a stray label is an error).
   */
  ignoreIndex?: number;
}

/**
 * Negative log-likelihood of log-probabilities z [N, C] (from logSoftmax or a LogSoftmax layer),
 * PyTorch's NLLLoss. With w = the class weights and y_i the label of sample i (samples labelled
 * ignoreIndex count as w_y_i = 0):
 *   l_i = -w_y_i z[i, y_i],   dl_i/dz[i, y_i] = -w_y_i  (0 elsewhere in the row);
 *   "mean" (default): L = sum_i l_i / sum_i w_y_i (the weighted mean: N without weights or ignored
 *   samples), dL/dz = dl/dz / sum_i w_y_i;  "sum": L = sum_i l_i;  "none": the l_i, shape [N].
 * nllLoss(logSoftmax(s), y) is softmaxCrossEntropy(s, y); its gradient goes back through the layer.
 */
export function nllLoss<R extends Reduction = "mean">(
  logProbs: Tensor,
  labels: Labels,
  opts?: NllOptions<R>,
): LossResult<R>;
export function nllLoss(logProbs: Tensor, labels: Labels, opts: NllOptions = {}): LossResult<Reduction> {
  const reduction = reductionOf(opts, "nllLoss");
  const [n, c] = checkScores(logProbs, "nllLoss");
  const ignore = opts.ignoreIndex;
  if (ignore !== undefined && !Number.isInteger(ignore))
    throw new Error(`nllLoss: ignoreIndex must be an integer, got ${ignore}`);
  const y = classIndices(labels, n, c, "nllLoss", ignore);
  const w = classWeights(opts.weight, c);
  const grad = Tensor.zerosLike(logProbs);
  const losses = new Float64Array(n);
  let totalWeight = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] === ignore) continue;
    const k = i * c + y[i]!;
    const wi = w === null ? 1 : w[y[i]!]!;
    losses[i] = -wi * logProbs.data[k]!;
    grad.data[k] = -wi;
    totalWeight += wi;
  }
  if (reduction === "mean" && !(totalWeight > 0)) {
    // PyTorch returns NaN (0 / 0) here; an error says why.
    throw new Error(
      `nllLoss: the "mean" reduction divides by the total weight of the labelled samples, which is 0 ` +
        `(${ignore === undefined ? "every sample's class has weight 0" : `every sample is ignored (ignoreIndex ${ignore}) or has weight 0`})`,
    );
  }
  return reduceLosses(losses, [n], logProbs.dtype, grad, reduction, totalWeight);
}

/** The class weights as numbers (null: all 1), checked: C finite values >= 0. */
function classWeights(weight: Tensor | readonly number[] | undefined, c: number): ArrayLike<number> | null {
  if (weight === undefined) return null;
  const w = weight instanceof Tensor ? weight.data : weight;
  const shape = weight instanceof Tensor ? `[${weight.shape.join(", ")}]` : `${weight.length} numbers`;
  if ((weight instanceof Tensor && weight.ndim !== 1) || w.length !== c)
    throw new Error(`nllLoss: weight must hold one value per class ([${c}]), got ${shape}`);
  for (let j = 0; j < c; j++)
    if (!(Number.isFinite(w[j]) && w[j]! >= 0))
      throw new Error(`nllLoss: class weights must be finite and >= 0, got ${w[j]} for class ${j}`);
  return w;
}
