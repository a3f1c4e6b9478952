import type { DType } from "../tensor/dtype";
import { shapeStr } from "../tensor/shape";
import { Tensor } from "../tensor/tensor";
import { affineParameters, type Affine, type AffineParameter } from "./affine";
import { Layer, type Parameter } from "./layer";

/** LayerNorm's options (PyTorch's names). */
export interface LayerNormOptions<A extends boolean = boolean> {
  /** Added to the variance before the square root (default 1e-5); must be > 0. */
  eps?: number;
  /** Learnable gamma and beta of the normalised shape (default true); false only normalises. PyTorch's name. */
  elementwiseAffine?: A;
  dtype?: DType;
}

/**
 * Layer normalisation (Ba et al. 2016), PyTorch's LayerNorm: each sample is normalised over its last
 * dimensions, the `normalizedShape` (D values per sample, e.g. the features of [N, D] or the [C, H, W] of
 * an image), with statistics of that sample alone, the same in training and evaluation:
 *   mu = mean x,  var = mean (x - mu)^2 (biased),  invstd = 1 / sqrt(var + eps),  xhat = (x - mu) invstd,
 *   y = gamma xhat + beta   (gamma, beta of the normalised shape, elementwise);
 *   dbeta = sum over samples of dy,  dgamma = sum over samples of dy xhat,  dxhat = dy gamma,
 *   dx = (1/D) invstd (D dxhat - sum dxhat - xhat sum(dxhat xhat))   (sums over the sample's D values).
 */
export class LayerNorm<A extends boolean = true> extends Layer {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly gamma: AffineParameter<A>;
  readonly beta: AffineParameter<A>;
  private readonly affine: Affine | null;
  private cache: { xhat: Tensor; invstd: Float64Array; outShape: readonly number[] } | null = null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions<A> = {}) {
    super();
    this.normalizedShape = Object.freeze(
      typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape],
    );
    this.eps = opts.eps ?? 1e-5;
    if (this.normalizedShape.length === 0 || this.normalizedShape.some((d) => !Number.isInteger(d) || d < 1))
      throw new Error(
        `LayerNorm: normalizedShape must be one or more positive integers, got ${JSON.stringify(normalizedShape)}`,
      );
    if (!(this.eps > 0 && Number.isFinite(this.eps)))
      throw new Error(`LayerNorm: eps must be a positive number, got ${this.eps}`);
    this.affine = affineParameters(opts.elementwiseAffine, this.normalizedShape, opts.dtype);
    this.gamma = (this.affine?.gamma ?? null) as AffineParameter<A>;
    this.beta = (this.affine?.beta ?? null) as AffineParameter<A>;
  }

  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    if (!(x instanceof Tensor)) throw new Error(`LayerNorm.forward: expected a Tensor input, got ${typeof x}`);
    if (x.ndim < k || this.normalizedShape.some((d, i) => x.shape[x.ndim - k + i] !== d)) {
      throw new Error(
        `LayerNorm.forward: expected input of shape [..., ${this.normalizedShape.join(", ")}] (the normalised shape last), got ${shapeStr(x.shape)}`,
      );
    }
    const affine = this.affine;
    if (affine !== null && x.dtype !== affine.gamma.value.dtype) {
      throw new Error(
        `LayerNorm.forward: dtype mismatch: input ${x.dtype} ${shapeStr(x.shape)} vs parameters ${affine.gamma.value.dtype} ` +
          `(convert with .astype() or build the layer with { dtype: "${x.dtype}" })`,
      );
    }
    x.assertNoNaN("LayerNorm.forward input");
    const d = this.size;
    const rows = x.size / d;
    const xhat = Tensor.zerosLike(x);
    const out = Tensor.zerosLike(x);
    const invstd = new Float64Array(rows);
    const g = affine?.gamma.value.data;
    const b = affine?.beta.value.data;
    for (let r = 0, o = 0; r < rows; r++, o += d) {
      // Two passes (mean, then squared deviations) avoid the cancellation of E[x^2] - E[x]^2.
      let sum = 0;
      for (let j = 0; j < d; j++) sum += x.data[o + j]!;
      const mu = sum / d;
      let sq = 0;
      for (let j = 0; j < d; j++) sq += (x.data[o + j]! - mu) ** 2;
      const is = 1 / Math.sqrt(sq / d + this.eps);
      invstd[r] = is;
      for (let j = 0; j < d; j++) {
        const h = (x.data[o + j]! - mu) * is;
        xhat.data[o + j] = h;
        out.data[o + j] = g === undefined || b === undefined ? h : g[j]! * h + b[j]!;
      }
    }
    this.cache = { xhat, invstd, outShape: out.shape };
    return out;
  }

  backward(dout: Tensor): Tensor {
    const { xhat, invstd } = this.checkBackward(this.cache, dout);
    if (dout.dtype !== xhat.dtype) {
      throw new Error(
        `LayerNorm.backward: dtype mismatch: upstream gradient ${dout.dtype} ${shapeStr(dout.shape)} vs forward ${xhat.dtype} ${shapeStr(xhat.shape)}`,
      );
    }
    const d = this.size;
    const rows = invstd.length;
    const g = this.affine?.gamma.value.data;
    const dgamma = new Float64Array(d);
    const dbeta = new Float64Array(d);
    const dx = Tensor.zerosLike(xhat);
    for (let r = 0, o = 0; r < rows; r++, o += d) {
      let sumDxhat = 0;
      let sumDxhatXhat = 0;
      for (let j = 0; j < d; j++) {
        const dy = dout.data[o + j]!;
        const h = xhat.data[o + j]!;
        dbeta[j] += dy;
        dgamma[j] += dy * h;
        const dh = g === undefined ? dy : dy * g[j]!;
        sumDxhat += dh;
        sumDxhatXhat += dh * h;
      }
      const scale = invstd[r]! / d;
      for (let j = 0; j < d; j++) {
        const dh = g === undefined ? dout.data[o + j]! : dout.data[o + j]! * g[j]!;
        dx.data[o + j] = scale * (d * dh - sumDxhat - xhat.data[o + j]! * sumDxhatXhat);
      }
    }
    this.affine?.gamma.grad.data.set(dgamma);
    this.affine?.beta.grad.data.set(dbeta);
    return dx;
  }

  /** Values per sample (the normalised shape's size). */
  get size(): number {
    return this.normalizedShape.reduce((a, b) => a * b, 1);
  }

  override parameters(): Parameter[] {
    return this.affine === null ? [] : [this.affine.gamma, this.affine.beta];
  }

  override describe(): string {
    const affine = this.affine === null ? ", elementwiseAffine=false" : "";
    return `LayerNorm([${this.normalizedShape.join(", ")}], eps=${this.eps}${affine})`;
  }
}
