import { Tensor } from "../tensor/tensor";
import { Layer } from "./layer";

/**
 * Row-wise stable softmax of the last axis (shared by the Softmax layer and the loss), with each
 * row's log-sum-exp, lse = max + log(sum e^{x - max}), so that log p_j = x_j - lse exactly.
 */
export function softmaxRows(x: Tensor): { probs: Tensor; lse: Float64Array } {
  const c = x.shape[x.ndim - 1] ?? 1;
  const probs = Tensor.zerosLike(x);
  const lse = new Float64Array(c === 0 ? 0 : x.size / c);
  const s = x.data;
  const p = probs.data;
  for (let row = 0, r = 0; row < x.size; row += c, r++) {
    let max = -Infinity;
    for (let j = 0; j < c; j++) if (s[row + j]! > max) max = s[row + j]!;
    let sum = 0;
    for (let j = 0; j < c; j++) sum += p[row + j] = Math.exp(s[row + j]! - max);
    for (let j = 0; j < c; j++) p[row + j]! /= sum;
    lse[r] = max + Math.log(sum);
  }
  return { probs, lse };
}

/**
 * Softmax over the last axis: y_j = e^{x_j} / sum_k e^{x_k} (computed with the row max subtracted).
 * Backward is the Jacobian-vector product dx = y * (dout - sum_j dout_j y_j), row by row.
 * (For classification use softmaxCrossEntropy on the logits instead: it is stabler and cheaper.)
 */
export class Softmax extends Layer {
  private cache: { y: Tensor; outShape: readonly number[] } | null = null;

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.ndim < 1) throw new Error(`Softmax.forward: expected a Tensor with at least 1 dimension`);
    x.assertNoNaN("Softmax.forward input");
    const y = softmaxRows(x).probs;
    this.cache = { y, outShape: y.shape };
    return y;
  }

  backward(dout: Tensor): Tensor {
    const { y } = this.checkBackward(this.cache, dout);
    const c = y.shape[y.ndim - 1]!;
    const dx = Tensor.zerosLike(y);
    for (let row = 0; row < y.size; row += c) {
      let dot = 0;
      for (let j = 0; j < c; j++) dot += dout.data[row + j]! * y.data[row + j]!;
      for (let j = 0; j < c; j++) dx.data[row + j] = y.data[row + j]! * (dout.data[row + j]! - dot);
    }
    return dx;
  }
}
