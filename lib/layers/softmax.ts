import { Tensor } from "../tensor/tensor";
import { normalizeAxis, shapeStr } from "../tensor/shape";
import type { Storage } from "../tensor/dtype";
import { Layer } from "./layer";

/**
 * A tensor seen as slices along one axis: `outer` blocks of `n` entries `inner` apart, so entry j of
 * slice (o, k) is at (o n + j) inner + k, and slice r = o inner + k. The last axis has inner = 1 (rows).
 */
interface AxisSlices {
  axis: number;
  n: number;
  inner: number;
  count: number;
}

function slicesAlong(x: Tensor, axis: number, where: string): AxisSlices {
  if (x.ndim < 1)
    throw new Error(
      `${where}: expected an input with at least 1 dimension to take the softmax over, got ${shapeStr(x.shape)}`,
    );
  const ax = normalizeAxis(axis, x.ndim, where);
  const n = x.shape[ax]!;
  const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  return { axis: ax, n, inner, count: n === 0 ? 0 : x.size / n };
}

/** The flat index of slice r's first entry. */
function sliceStart(s: AxisSlices, r: number): number {
  return Math.floor(r / s.inner) * s.n * s.inner + (r % s.inner);
}

/** Where slice r starts, for a message: its index with ":" along the axis ("row r" for the last axis). */
function sliceName(x: Tensor, s: AxisSlices, r: number): string {
  if (s.axis === x.ndim - 1) return `row ${r}`;
  const index: (number | string)[] = [];
  let flat = sliceStart(s, r);
  for (let d = x.ndim - 1; d >= 0; d--) {
    index.unshift(d === s.axis ? ":" : flat % x.shape[d]!);
    flat = Math.floor(flat / x.shape[d]!);
  }
  return `slice [${index.join(", ")}]`;
}

/**
 * Stable softmax along an axis, with each slice's log-sum-exp lse = max + log(sum e^{x - max}), so
 * that log p_j = x_j - lse exactly (shared by Softmax, LogSoftmax and the cross-entropy loss).
 * `lse` has one entry per slice, in the order of the input with the axis removed.
 */
export function softmaxAlong(x: Tensor, axis = -1): { probs: Tensor; lse: Float64Array } {
  const slices = slicesAlong(x, axis, "softmax");
  const { n, inner, count } = slices;
  const probs = Tensor.zerosLike(x);
  const lse = new Float64Array(count);
  const s = x.data;
  const p = probs.data;
  for (let r = 0; r < count; r++) {
    const start = sliceStart(slices, r);
    const end = start + n * inner;
    let max = -Infinity;
    for (let i = start; i < end; i += inner) if (s[i]! > max) max = s[i]!;
    let sum = 0;
    for (let i = start; i < end; i += inner) sum += p[i] = Math.exp(s[i]! - max);
    for (let i = start; i < end; i += inner) p[i]! /= sum;
    lse[r] = max + Math.log(sum);
  }
  return { probs, lse };
}

/** softmaxAlong the last axis: one lse per row (the cross-entropy loss's form). */
export function softmaxRows(x: Tensor): { probs: Tensor; lse: Float64Array } {
  return softmaxAlong(x, -1);
}

/** softmax(x) along an axis (default the last): y_j = e^{x_j} / sum_k e^{x_k}. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxAlong(x, axis).probs;
}

/** log softmax(x) along an axis (default the last): y_j = x_j - log sum_k e^{x_k}, exact where softmax underflows. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return logSoftmaxFrom(x, slicesAlong(x, axis, "logSoftmax"), softmaxAlong(x, axis).lse);
}

function logSoftmaxFrom(x: Tensor, s: AxisSlices, lse: Float64Array): Tensor {
  const out = Tensor.zerosLike(x);
  for (let i = 0; i < x.size; i++) {
    const r = Math.floor(i / (s.n * s.inner)) * s.inner + (i % s.inner);
    out.data[i] = x.data[i]! - lse[r]!;
  }
  return out;
}

/**
 * Softmax and LogSoftmax layers: the forward checks (input, a finite maximum in every slice) and the
 * backward's shape and dtype checks, around each one's formula.
 */
abstract class SoftmaxBase extends Layer {
  /** The axis the layer normalises over (negative counts from the end; default -1, the last). */
  readonly axis: number;
  private cache: { y: Tensor; probs: Tensor; slices: AxisSlices; outShape: readonly number[] } | null = null;

  constructor(opts: { axis?: number } = {}) {
    super();
    this.axis = opts.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new Error(`${this.name}: axis must be an integer, got ${this.axis}`);
  }

  /** The output from the input, its softmax and each slice's log-sum-exp. */
  protected abstract output(x: Tensor, probs: Tensor, lse: Float64Array, s: AxisSlices): Tensor;
  /** dx from dout, the forward's output y and its softmax p, slice by slice (start, stride inner, n entries). */
  protected abstract slope(dout: Storage, y: Storage, p: Storage, dx: Storage, start: number, s: AxisSlices): void;

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new Error(`${this.name}.forward: expected a Tensor input, got ${typeof x}`);
    if (x.ndim < 1)
      throw new Error(
        `${this.name}.forward: expected input of shape [..., classes] (at least 1 dimension), got ${shapeStr(x.shape)}`,
      );
    x.assertNoNaN(`${this.name}.forward input`);
    const slices = slicesAlong(x, this.axis, `${this.name}.forward`);
    const { probs, lse } = softmaxAlong(x, slices.axis);
    // A finite maximum gives a finite log-sum-exp; +Infinity or an all -Infinity slice gives NaN probabilities.
    const bad = lse.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const start = sliceStart(slices, bad);
      const shown = Array.from({ length: Math.min(slices.n, 6) }, (_, j) => x.data[start + j * slices.inner]);
      throw new Error(
        `${this.name}.forward: ${sliceName(x, slices, bad)} of input ${shapeStr(x.shape)} has no finite maximum (values ${shown.join(", ")}${slices.n > 6 ? ", ..." : ""})`,
      );
    }
    const y = this.output(x, probs, lse, slices);
    this.cache = { y, probs, slices, outShape: y.shape };
    return y;
  }

  backward(dout: Tensor): Tensor {
    const { y, probs, slices } = this.checkBackward(this.cache, dout);
    if (dout.dtype !== y.dtype) {
      throw new Error(
        `${this.name}.backward: dtype mismatch: upstream gradient ${dout.dtype} ${shapeStr(dout.shape)} vs output ${y.dtype} ${shapeStr(y.shape)}`,
      );
    }
    const dx = Tensor.zerosLike(y);
    for (let r = 0; r < slices.count; r++)
      this.slope(dout.data, y.data, probs.data, dx.data, sliceStart(slices, r), slices);
    return dx;
  }

  override describe(): string {
    return `${this.name}(axis=${this.axis})`;
  }
}

/**
 * Softmax along an axis (default the last): y_j = e^{x_j} / sum_k e^{x_k} (computed with the slice's
 * max subtracted). Backward is the Jacobian-vector product dx = y * (dout - sum_j dout_j y_j), slice by
 * slice. (For classification use softmaxCrossEntropy on the logits instead: it is stabler and cheaper.)
 */
export class Softmax extends SoftmaxBase {
  protected output(_x: Tensor, probs: Tensor): Tensor {
    return probs;
  }

  protected slope(dout: Storage, y: Storage, _p: Storage, dx: Storage, start: number, s: AxisSlices): void {
    const end = start + s.n * s.inner;
    let dot = 0;
    for (let i = start; i < end; i += s.inner) dot += dout[i]! * y[i]!;
    for (let i = start; i < end; i += s.inner) dx[i] = y[i]! * (dout[i]! - dot);
  }
}

/**
 * Log-softmax along an axis (default the last), PyTorch's LogSoftmax:
 *   y_j = x_j - lse,  lse = log sum_k e^{x_k};   dx_j = dout_j - p_j sum_k dout_k,  p = softmax(x) = e^y.
 * Followed by nllLoss it is the cross-entropy loss; unlike log(softmax(x)) it stays finite where
 * probabilities underflow to 0.
 */
export class LogSoftmax extends SoftmaxBase {
  protected output(x: Tensor, _probs: Tensor, lse: Float64Array, s: AxisSlices): Tensor {
    return logSoftmaxFrom(x, s, lse);
  }

  protected slope(dout: Storage, _y: Storage, p: Storage, dx: Storage, start: number, s: AxisSlices): void {
    const end = start + s.n * s.inner;
    let sum = 0;
    for (let i = start; i < end; i += s.inner) sum += dout[i]!;
    for (let i = start; i < end; i += s.inner) dx[i] = dout[i]! - p[i]! * sum;
  }
}
