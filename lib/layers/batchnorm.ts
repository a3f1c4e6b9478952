import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";
import type { DType } from "../tensor/dtype";
import { Layer, parameter, type StateBuffer, type Parameter } from "./layer";

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the newest batch in the running statistics: run = (1 - m) run + m batch. */
  momentum?: number;
  dtype?: DType;
}

/**
 * Batch normalisation over a feature axis; statistics are per feature, over every other axis
 * (N for [N, D]; N, H, W for [N, C, H, W]). With M values per feature:
 *   mu = mean x,  var = mean (x - mu)^2,  xhat = (x - mu) / sqrt(var + eps),  y = gamma xhat + beta
 *   dbeta = sum dy,  dgamma = sum dy xhat,  dxhat = dy gamma
 *   dx = (1/M) invstd (M dxhat - sum dxhat - xhat sum(dxhat xhat))
 * In eval mode the running mean and (biased) variance replace the batch statistics.
 */
abstract class BatchNorm extends Layer {
  readonly gamma: Parameter;
  readonly beta: Parameter;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly eps: number;
  readonly momentum: number;
  private cache: { xhat: Tensor; invstd: Float64Array; outShape: readonly number[] } | null = null;

  constructor(readonly features: number, opts: BatchNormOptions = {}) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.gamma = parameter("gamma", Tensor.ones([features], opts.dtype), false);
    this.beta = parameter("beta", Tensor.zeros([features], opts.dtype), false);
    this.runningMean = Tensor.zeros([features], opts.dtype);
    this.runningVar = Tensor.ones([features], opts.dtype);
  }

  /** Rank of the input this layer accepts (2 or 4). */
  protected abstract readonly rank: number;

  /** Values of feature f sit at offsets n * C * inner + f * inner + k for k < inner. */
  private layout(x: Tensor): { n: number; inner: number } {
    const ok = x.ndim === this.rank && x.shape[1] === this.features;
    if (!ok) {
      const want = this.rank === 2 ? `[N, ${this.features}]` : `[N, ${this.features}, H, W]`;
      throw new Error(`${this.name}.forward: expected input ${want}, got ${shapeStr(x.shape)}`);
    }
    return { n: x.shape[0]!, inner: this.rank === 2 ? 1 : x.shape[2]! * x.shape[3]! };
  }

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new Error(`${this.name}.forward: expected a Tensor input, got ${typeof x}`);
    const { n, inner } = this.layout(x);
    x.assertNoNaN(`${this.name}.forward input`);
    const C = this.features;
    const m = n * inner;
    if (this.training && m < 2) throw new Error(`${this.name}.forward: training needs more than one value per feature, got ${shapeStr(x.shape)}`);
    const out = Tensor.zerosLike(x);
    const xhat = Tensor.zerosLike(x);
    const invstd = new Float64Array(C);
    const g = this.gamma.value.data;
    const b = this.beta.value.data;
    for (let f = 0; f < C; f++) {
      let mean: number;
      let variance: number;
      if (this.training) {
        let s = 0;
        forEach(n, C, inner, f, (i) => { s += x.data[i]!; });
        mean = s / m;
        let v = 0;
        forEach(n, C, inner, f, (i) => { const d = x.data[i]! - mean; v += d * d; });
        variance = v / m;
        const mom = this.momentum;
        this.runningMean.data[f] = (1 - mom) * this.runningMean.data[f]! + mom * mean;
        this.runningVar.data[f] = (1 - mom) * this.runningVar.data[f]! + mom * variance;
      } else {
        mean = this.runningMean.data[f]!;
        variance = this.runningVar.data[f]!;
      }
      const is = 1 / Math.sqrt(variance + this.eps);
      invstd[f] = is;
      forEach(n, C, inner, f, (i) => {
        const h = (x.data[i]! - mean) * is;
        xhat.data[i] = h;
        out.data[i] = g[f]! * h + b[f]!;
      });
    }
    this.cache = { xhat, invstd, outShape: out.shape };
    return out;
  }

  backward(dout: Tensor): Tensor {
    const { xhat, invstd } = this.checkBackward(this.cache, dout);
    const n = xhat.shape[0]!;
    const inner = this.rank === 2 ? 1 : xhat.shape[2]! * xhat.shape[3]!;
    const C = this.features;
    const m = n * inner;
    const dx = Tensor.zerosLike(xhat);
    const g = this.gamma.value.data;
    for (let f = 0; f < C; f++) {
      let sumDy = 0;
      let sumDyXhat = 0;
      forEach(n, C, inner, f, (i) => {
        sumDy += dout.data[i]!;
        sumDyXhat += dout.data[i]! * xhat.data[i]!;
      });
      this.beta.grad.data[f] = sumDy;
      this.gamma.grad.data[f] = sumDyXhat;
      if (!this.training) {
        // Fixed statistics: the layer is affine, dx = dy * gamma * invstd.
        forEach(n, C, inner, f, (i) => { dx.data[i] = dout.data[i]! * g[f]! * invstd[f]!; });
        continue;
      }
      // With dxhat = gamma dy: sum dxhat = gamma sumDy, sum dxhat xhat = gamma sumDyXhat.
      const k = (g[f]! * invstd[f]!) / m;
      forEach(n, C, inner, f, (i) => {
        dx.data[i] = k * (m * dout.data[i]! - sumDy - xhat.data[i]! * sumDyXhat);
      });
    }
    return dx;
  }

  override parameters(): Parameter[] {
    return [this.gamma, this.beta];
  }

  override buffers(): StateBuffer[] {
    return [{ name: "runningMean", value: this.runningMean }, { name: "runningVar", value: this.runningVar }];
  }

  override describe(): string {
    return `${this.name}(${this.features}, eps=${this.eps}, momentum=${this.momentum})`;
  }
}

/** Calls fn with the flat offset of every value of feature f. */
function forEach(n: number, C: number, inner: number, f: number, fn: (i: number) => void): void {
  for (let s = 0; s < n; s++) {
    const base = (s * C + f) * inner;
    for (let k = 0; k < inner; k++) fn(base + k);
  }
}

/** BatchNorm over [N, D]: statistics per feature over the batch. */
export class BatchNorm1d extends BatchNorm {
  protected readonly rank = 2;
}

/** BatchNorm over [N, C, H, W]: statistics per channel over the batch and all positions. */
export class BatchNorm2d extends BatchNorm {
  protected readonly rank = 4;
}
