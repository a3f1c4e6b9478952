import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";
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
    if (!(x instanceof Tensor)) throw new Error(`Softmax.forward: expected a Tensor input, got ${typeof x}`);
    if (x.ndim < 1)
      throw new Error(
        `Softmax.forward: expected input of shape [..., classes] (at least 1 dimension), got ${shapeStr(x.shape)}`,
      );
    x.assertNoNaN("Softmax.forward input");
    const { probs: y, lse } = softmaxRows(x);
    // A finite row max gives a finite log-sum-exp; +Infinity or an all -Infinity row gives NaN probabilities.
    const bad = lse.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const c = x.shape[x.ndim - 1]!;
      throw new Error(
        `Softmax.forward: row ${bad} of input ${shapeStr(x.shape)} has no finite maximum (values ${Array.from(x.data.subarray(bad * c, bad * c + Math.min(c, 6))).join(", ")}${c > 6 ? ", ..." : ""})`,
      );
    }
    this.cache = { y, outShape: y.shape };
    return y;
  }

  backward(dout: Tensor): Tensor {
    const { y } = this.checkBackward(this.cache, dout);
    if (dout.dtype !== y.dtype) {
      throw new Error(
        `Softmax.backward: dtype mismatch: upstream gradient ${dout.dtype} ${shapeStr(dout.shape)} vs output ${y.dtype} ${shapeStr(y.shape)}`,
      );
    }
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
