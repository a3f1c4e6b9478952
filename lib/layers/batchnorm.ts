import { batchNormBackward, batchNormNormalize, channelReduce as channelReduceKernel } from "../kernels/batchnorm";
import type { ChannelReduceArgs } from "../kernels/kernels";
import { outsideArena } from "../tensor/arena";
import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";
import type { DType, Storage } from "../tensor/dtype";
import { affineParameters, type Affine, type AffineParameter } from "./affine";
import { Layer, type StateBuffer, type Parameter } from "./layer";

export interface BatchNormOptions<A extends boolean = boolean> {
  /** Added to the variance before the square root (default 1e-5); must be > 0. */
  eps?: number;
  /** Weight of the newest batch in the running statistics (PyTorch's convention, default 0.1): run = (1 - m) run + m batch. */
  momentum?: number;
  /** Learnable gamma and beta (default true); false only normalises (gamma and beta are null), as PyTorch's affine=False. */
  affine?: A;
  dtype?: DType;
}

/**
 * Batch normalisation over a feature axis (axis 1); statistics are per feature over every other
 * axis (N for [N, D]; N, H, W for [N, C, H, W]). With M values per feature, in training:
 *   mu = mean x,  var = mean (x - mu)^2,  invstd = 1 / sqrt(var + eps),  xhat = (x - mu) invstd,
 *   y = gamma xhat + beta;
 *   dbeta = sum dy,  dgamma = sum dy xhat,  dxhat = dy gamma,
 *   dx = (1/M) invstd (M dxhat - sum dxhat - xhat sum(dxhat xhat)).
 * The running mean and (biased, as in cs231n) variance move by `momentum` each training forward;
 * eval mode normalises with them instead, so the layer is affine there: dx = dy gamma invstd.
 * With `affine: false` there are no gamma and beta: y = xhat and dx as above with gamma = 1.
 * BatchNorm1d and BatchNorm2d differ only in the rank they accept.
 */
abstract class BatchNorm<A extends boolean> extends Layer {
  readonly gamma: AffineParameter<A>;
  readonly beta: AffineParameter<A>;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly eps: number;
  readonly momentum: number;
  private readonly affine: Affine | null;
  /** What the kernels scale and shift by: gamma and beta, or constant ones and zeros without affine. */
  private readonly scale: Tensor;
  private readonly shift: Tensor;
  private cache: {
    xhat: Tensor;
    invstd: Float64Array;
    training: boolean;
    inner: number;
    outShape: readonly number[];
  } | null = null;

  /** Rank of the input this layer accepts (2 or 4). */
  protected abstract readonly rank: 2 | 4;

  constructor(
    readonly features: number,
    opts: BatchNormOptions<A> = {},
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    if (!Number.isInteger(features) || features < 1)
      throw new Error(`${this.name}: features must be a positive integer, got ${features}`);
    if (!(this.eps > 0 && Number.isFinite(this.eps)))
      throw new Error(`${this.name}: eps must be a positive number, got ${this.eps}`);
    if (!(this.momentum >= 0 && this.momentum <= 1))
      throw new Error(`${this.name}: momentum must be in [0, 1], got ${this.momentum}`);
    this.affine = affineParameters(opts.affine, [features], opts.dtype);
    this.gamma = (this.affine?.gamma ?? null) as AffineParameter<A>;
    this.beta = (this.affine?.beta ?? null) as AffineParameter<A>;
    this.scale = this.affine?.gamma.value ?? Tensor.zerosForKernels([features], opts.dtype).fill(1);
    this.shift = this.affine?.beta.value ?? Tensor.zerosForKernels([features], opts.dtype);
    // State that outlives every step: never from a step arena, even for a layer built inside one.
    this.runningMean = outsideArena(() => Tensor.zeros([features], opts.dtype));
    this.runningVar = outsideArena(() => Tensor.ones([features], opts.dtype));
  }

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new Error(`${this.name}.forward: expected a Tensor input, got ${typeof x}`);
    const ok = x.ndim === this.rank && x.shape[1] === this.features;
    if (!ok) {
      const want = this.rank === 2 ? `[N, ${this.features}]` : `[N, ${this.features}, H, W]`;
      throw new Error(`${this.name}.forward: expected input ${want}, got ${shapeStr(x.shape)}`);
    }
    if (x.dtype !== this.runningMean.dtype) {
      throw new Error(
        `${this.name}.forward: dtype mismatch: input ${x.dtype} ${shapeStr(x.shape)} vs ${this.affine === null ? "running statistics" : "parameters"} ${this.runningMean.dtype} ` +
          `(convert with .astype() or build the layer with { dtype: "${x.dtype}" })`,
      );
    }
    x.assertNoNaN(`${this.name}.forward input`);
    const n = x.shape[0]!;
    const C = this.features;
    const inner = this.rank === 2 ? 1 : x.shape[2]! * x.shape[3]!;
    const m = n * inner;
    const training = this.training;
    if (training && m < 2)
      throw new Error(
        `${this.name}.forward: training needs more than one value per feature, got input ${shapeStr(x.shape)}`,
      );

    const mean = new Float64Array(C);
    const invstd = new Float64Array(C);
    if (training) {
      // Two passes (mean, then squared deviations) avoid the cancellation of E[x^2] - E[x]^2.
      const s = channelReduce("sum", x.data, null, null, n, C, inner);
      for (let f = 0; f < C; f++) mean[f] = s[f]! / m;
      const v = channelReduce("squaredDeviation", x.data, null, mean, n, C, inner);
      const mom = this.momentum;
      for (let f = 0; f < C; f++) {
        const variance = v[f]! / m;
        invstd[f] = 1 / Math.sqrt(variance + this.eps);
        this.runningMean.data[f] = (1 - mom) * this.runningMean.data[f]! + mom * mean[f]!;
        this.runningVar.data[f] = (1 - mom) * this.runningVar.data[f]! + mom * variance;
      }
    } else {
      for (let f = 0; f < C; f++) {
        mean[f] = this.runningMean.data[f]!;
        invstd[f] = 1 / Math.sqrt(this.runningVar.data[f]! + this.eps);
      }
    }

    const out = Tensor.zerosLike(x);
    const xhat = Tensor.zerosLike(x);
    batchNormNormalize({
      x: x.data,
      n,
      C,
      inner,
      mean,
      invstd,
      gamma: this.scale.data,
      beta: this.shift.data,
      xhat: xhat.data,
      out: out.data,
    });
    this.cache = { xhat, invstd, training, inner, outShape: out.shape };
    return out;
  }

  backward(dout: Tensor): Tensor {
    // The mode is the one of the forward pass being differentiated, not the current one.
    const { xhat, invstd, training, inner } = this.checkBackward(this.cache, dout);
    if (dout.dtype !== xhat.dtype) {
      throw new Error(
        `${this.name}.backward: dtype mismatch: upstream gradient ${dout.dtype} ${shapeStr(dout.shape)} vs forward ${xhat.dtype} ${shapeStr(xhat.shape)}`,
      );
    }
    const n = xhat.shape[0]!;
    const C = this.features;
    const m = n * inner;
    const sumDy = channelReduce("sum", dout.data, null, null, n, C, inner);
    const sumDyXhat = channelReduce("product", dout.data, xhat.data, null, n, C, inner);
    this.affine?.beta.grad.data.set(sumDy);
    this.affine?.gamma.grad.data.set(sumDyXhat);

    // Per feature, dx = k1 dy + k0 + k2 xhat. With dxhat = gamma dy: sum dxhat = gamma sumDy and
    // sum dxhat xhat = gamma sumDyXhat, so the compact formula needs only these two sums.
    const k1 = new Float64Array(C);
    const k0 = new Float64Array(C);
    const k2 = new Float64Array(C);
    const g = this.scale.data;
    for (let f = 0; f < C; f++) {
      const scale = g[f]! * invstd[f]!;
      k1[f] = scale;
      if (training) {
        k0[f] = (-scale * sumDy[f]!) / m;
        k2[f] = (-scale * sumDyXhat[f]!) / m;
      } // eval: fixed statistics, so dx = dy gamma invstd (k0 = k2 = 0).
    }
    const dx = Tensor.zerosLike(xhat);
    batchNormBackward({ dy: dout.data, xhat: xhat.data, n, C, inner, k1, k0, k2, dx: dx.data });
    return dx;
  }

  override parameters(): Parameter[] {
    return this.affine === null ? [] : [this.affine.gamma, this.affine.beta];
  }

  override buffers(): StateBuffer[] {
    return [
      { name: "runningMean", value: this.runningMean },
      { name: "runningVar", value: this.runningVar },
    ];
  }

  override describe(): string {
    const affine = this.affine === null ? ", affine=false" : "";
    return `${this.name}(${this.features}, eps=${this.eps}, momentum=${this.momentum}${affine})`;
  }
}

/** Per-channel float64 sums over [n, C, inner] (a kernel: see ChannelReduceArgs). */
function channelReduce(
  term: ChannelReduceArgs["term"],
  a: Storage,
  b: Storage | null,
  mean: Float64Array | null,
  n: number,
  C: number,
  inner: number,
): Float64Array {
  const out = new Float64Array(C);
  channelReduceKernel({ term, a, b, mean, n, C, inner, out });
  return out;
}

/** BatchNorm over [N, D]: statistics per feature over the batch. */
export class BatchNorm1d<A extends boolean = true> extends BatchNorm<A> {
  protected readonly rank = 2;
}

/** BatchNorm over [N, C, H, W]: statistics per channel over the batch and all positions. */
export class BatchNorm2d<A extends boolean = true> extends BatchNorm<A> {
  protected readonly rank = 4;
}
