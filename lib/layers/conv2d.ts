import { convOutputSize, type ConvGeometry } from "../kernels/kernels";
import { Rng } from "../random";
import type { DType } from "../tensor/dtype";
import { col2im, im2col, type WindowSpec } from "../tensor/im2col";
import { shapeStr } from "../tensor/shape";
import { Tensor } from "../tensor/tensor";
import { Layer, parameter, skippedInputGrad, type Parameter } from "./layer";
// BEGIN INSTRUCTOR ONLY
import { convBackwardFast, convForwardFast, ConvWorkspace, type ConvParts } from "./fast/conv2d";
import { fastPath } from "./fast/mode";
// END INSTRUCTOR ONLY

/** A size for both spatial axes, or [height, width]. */
export type Pair = number | readonly [number, number];

/**
 * Weight initialisation: "he" (default, std sqrt(2 / fanIn)), "xavier" (std sqrt(1 / fanIn)), a fixed
 * std, or `{ uniform: [low, high] }` for U[low, high) (e.g. U[-1, 1]); fanIn = C * kh * kw.
 */
export type Conv2dInit = "he" | "xavier" | number | { uniform: readonly [number, number] };

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  bias?: boolean;
  init?: Conv2dInit;
  rng?: Rng;
  dtype?: DType;
}

/** Expands a Pair to [h, w], checking for integers >= min (what names the owner in the error). */
export function pair(v: Pair, what: string, min: number): [number, number] {
  const ok = typeof v === "number" || (Array.isArray(v) && v.length === 2);
  const p: [number, number] = typeof v === "number" ? [v, v] : ok ? [v[0], v[1]] : [NaN, NaN];
  for (const x of p) {
    if (!Number.isInteger(x) || x < min)
      throw new Error(`${what} must be an integer >= ${min} (or a pair of them), got ${JSON.stringify(v)}`);
  }
  return p;
}

/**
 * 2-D convolution (cross-correlation, as in every framework) on x [N, C, H, W] with weights
 * W [F, C, kh, kw] and bias b [F], giving out [N, F, Ho, Wo], Ho = floor((H + 2 ph - kh) / sh) + 1:
 *   out[n, f, i, j] = b[f] + sum_{c,u,v} W[f, c, u, v] x[n, c, i sh + u - ph, j sw + v - pw]   (zero padding).
 * Each image is unrolled by im2col into cols_n [C*kh*kw, Ho*Wo], so, with W seen as [F, C*kh*kw],
 *   out_n = W cols_n + b          ([F, C*kh*kw] x [C*kh*kw, Ho*Wo] = [F, Ho*Wo], already NCHW order)
 *   dW = sum_n dout_n cols_n^T,  db[f] = sum_{n,i,j} dout[n, f, i, j],
 *   dcols_n = W^T dout_n,  dx_n = col2im(dcols_n)   (col2im is the adjoint of im2col).
 */
export class Conv2d extends Layer {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  private cache: { x: Tensor; g: ConvGeometry; outShape: readonly number[] } | null = null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    opts: Conv2dOptions = {},
  ) {
    super();
    for (const [what, v] of [
      ["inChannels", inChannels],
      ["outChannels", outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`Conv2d: ${what} must be a positive integer, got ${v}`);
    }
    this.kernelSize = pair(kernelSize, "Conv2d: kernelSize", 1);
    this.stride = pair(opts.stride ?? 1, "Conv2d: stride", 1);
    this.padding = pair(opts.padding ?? 0, "Conv2d: padding", 0);
    const [kh, kw] = this.kernelSize;
    const shape = [outChannels, inChannels, kh, kw];
    this.weight = parameter(
      "W",
      initWeights(shape, inChannels * kh * kw, opts.init ?? "he", opts.rng ?? new Rng(0), opts.dtype),
    );
    this.bias = opts.bias === false ? null : parameter("b", Tensor.zeros([outChannels], opts.dtype), false);
  }

  /**
   * Sets the weights (and the bias, if given) explicitly, e.g. to a fixed filter. Values are copied
   * into the existing parameters (optimizers keep references to them) and converted to the layer's dtype.
   */
  setWeights(weight: Tensor, bias?: Tensor): this {
    const w = this.weight.value;
    if (!(weight instanceof Tensor) || weight.ndim !== 4 || weight.shape.some((d, i) => d !== w.shape[i])) {
      const got = weight instanceof Tensor ? shapeStr(weight.shape) : typeof weight;
      throw new Error(`Conv2d.setWeights: expected weight of shape ${shapeStr(w.shape)} [F, C, kh, kw], got ${got}`);
    }
    weight.assertNoNaN("Conv2d.setWeights weight");
    if (bias !== undefined) {
      if (this.bias === null) throw new Error("Conv2d.setWeights: this layer has no bias (built with bias: false)");
      if (!(bias instanceof Tensor) || bias.ndim !== 1 || bias.shape[0] !== this.outChannels) {
        const got = bias instanceof Tensor ? shapeStr(bias.shape) : typeof bias;
        throw new Error(`Conv2d.setWeights: expected bias of shape [${this.outChannels}], got ${got}`);
      }
      bias.assertNoNaN("Conv2d.setWeights bias");
      this.bias.value.copyFrom(bias);
    }
    w.copyFrom(weight);
    return this;
  }

  /** The geometry for an input [N, C, H, W], with errors that name the problem and the shapes. */
  geometry(x: Tensor): ConvGeometry {
    if (!(x instanceof Tensor) || x.ndim !== 4) {
      const got = x instanceof Tensor ? `${shapeStr(x.shape)} (rank ${x.ndim})` : typeof x;
      throw new Error(`Conv2d.forward: expected input [N, C, H, W], got ${got}`);
    }
    const [, c, h, w] = x.shape as [number, number, number, number];
    if (c !== this.inChannels)
      throw new Error(
        `Conv2d.forward: expected ${this.inChannels} input channels, got ${c} (input ${shapeStr(x.shape)})`,
      );
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    if (kh > h + 2 * ph || kw > w + 2 * pw) {
      throw new Error(
        `Conv2d.forward: kernel ${kh}x${kw} is larger than the padded input ${h + 2 * ph}x${w + 2 * pw} ` +
          `(input ${shapeStr(x.shape)}, padding ${ph},${pw})`,
      );
    }
    return {
      channels: c,
      height: h,
      width: w,
      kernelH: kh,
      kernelW: kw,
      strideH: sh,
      strideW: sw,
      padH: ph,
      padW: pw,
      outH: convOutputSize(h, kh, sh, ph),
      outW: convOutputSize(w, kw, sw, pw),
    };
  }

  /** The window im2col and col2im slide over each image. */
  get window(): WindowSpec {
    return { kernel: this.kernelSize, stride: this.stride, padding: this.padding };
  }

  forward(x: Tensor): Tensor {
    const g = this.geometry(x);
    this.checkDtype(x, "forward", "input");
    x.assertNoNaN("Conv2d.forward input");
    this.cache = { x, g, outShape: [x.shape[0]!, this.outChannels, g.outH, g.outW] };
    // BEGIN INSTRUCTOR ONLY fast path: the whole batch in one kernel call (lib/kernels/conv.ts)
    if (fastPath()) return convForwardFast(this.fastParts(), x, g);
    // END INSTRUCTOR ONLY
    // BEGIN SOLUTION Conv2d.forward (im2col each image, then out_n = W cols_n + b)
    const F = this.outChannels;
    const W = this.weight.value.reshape([F, -1]); // [F, C kh kw]
    const out = Tensor.zeros([x.shape[0]!, F, g.outH, g.outW], x.dtype);
    for (let n = 0; n < x.shape[0]!; n++) {
      const cols = im2col(batchItem(x, n), this.window); // [C kh kw, Ho Wo]
      let y = W.matmul(cols); // [F, Ho Wo]
      if (this.bias !== null) y = y.add(this.bias.value.reshape([F, 1]));
      batchItem(out, n).copyFrom(y.reshape([F, g.outH, g.outW]));
    }
    return out;
    // END SOLUTION
  }

  backward(dout: Tensor): Tensor {
    const { x, g } = this.checkBackward(this.cache, dout);
    this.checkDtype(dout, "backward", "upstream gradient");
    // BEGIN INSTRUCTOR ONLY fast path: the whole batch in one kernel call (lib/kernels/conv.ts)
    if (fastPath()) return convBackwardFast(this.fastParts(), x, g, dout, this.inputGrad);
    // END INSTRUCTOR ONLY
    // BEGIN SOLUTION Conv2d.backward: parameter gradients (dW = sum_n dout_n cols_n^T, db[f] = sum of dout[:, f])
    const F = this.outChannels;
    const dW = Tensor.zeros([F, this.weight.value.size / F], x.dtype); // [F, C kh kw]
    for (let n = 0; n < x.shape[0]!; n++) {
      const cols = im2col(batchItem(x, n), this.window); // [C kh kw, Ho Wo]
      dW.addInPlace(batchItem(dout, n).reshape([F, -1]).matmul(cols.T));
    }
    this.weight.grad.copyFrom(dW.reshape(this.weight.value.shape));
    if (this.bias !== null) this.bias.grad.copyFrom(dout.sum([0, 2, 3]));
    // END SOLUTION
    // The model's first layer: its input is the data, whose gradient nothing needs (Layer.inputGrad).
    if (!this.inputGrad) return skippedInputGrad(x.dtype);
    // BEGIN SOLUTION Conv2d.backward: input gradient (dx_n = col2im(W^T dout_n))
    const Wt = this.weight.value.reshape([this.outChannels, -1]).T; // [C kh kw, F]
    const dx = Tensor.zerosLike(x);
    for (let n = 0; n < x.shape[0]!; n++) {
      const dcols = Wt.matmul(batchItem(dout, n).reshape([this.outChannels, -1])); // [C kh kw, Ho Wo]
      batchItem(dx, n).copyFrom(col2im(dcols, x.shape.slice(1), this.window));
    }
    return dx;
    // END SOLUTION
  }

  // BEGIN INSTRUCTOR ONLY
  private readonly workspace = new ConvWorkspace();
  private fastParts(): ConvParts {
    return { weight: this.weight, bias: this.bias, outChannels: this.outChannels, workspace: this.workspace };
  }
  // END INSTRUCTOR ONLY

  /** gemm needs one element type: a float32 input to a float64 layer (or back) must be converted first. */
  private checkDtype(t: Tensor, method: string, what: string): void {
    const w = this.weight.value;
    if (t.dtype !== w.dtype) {
      throw new Error(
        `Conv2d.${method}: ${what} is ${t.dtype}, weights are ${w.dtype} (${what} ${shapeStr(t.shape)}, weight ${shapeStr(w.shape)}); ` +
          `convert with .astype() or build the layer with { dtype: "${t.dtype}" }`,
      );
    }
  }

  override parameters(): Parameter[] {
    return this.bias === null ? [this.weight] : [this.weight, this.bias];
  }

  override describe(): string {
    const [kh, kw] = this.kernelSize;
    return (
      `Conv2d(${this.inChannels} -> ${this.outChannels}, kernel ${kh}x${kw}, stride ${this.stride.join(",")}, ` +
      `padding ${this.padding.join(",")}${this.bias === null ? ", no bias" : ""})`
    );
  }
}

/** Item n of a batch [N, ...] (cs231n's x[n]): a view of the batch's storage, so writing to it writes the batch. */
function batchItem(batch: Tensor, n: number): Tensor {
  const size = batch.size / batch.shape[0]!;
  return new Tensor(batch.data.subarray(n * size, (n + 1) * size), batch.shape.slice(1));
}

function initWeights(shape: number[], fanIn: number, init: Conv2dInit, rng: Rng, dtype: DType | undefined): Tensor {
  if (typeof init === "object") {
    const [low, high] = init.uniform;
    if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
      throw new Error(
        `Conv2d: init { uniform: [low, high] } needs finite low < high, got ${JSON.stringify(init.uniform)}`,
      );
    }
    return Tensor.uniform(shape, rng, low, high, dtype);
  }
  const std = init === "he" ? Math.sqrt(2 / fanIn) : init === "xavier" ? Math.sqrt(1 / fanIn) : init;
  if (!(typeof std === "number" && Number.isFinite(std) && std >= 0)) {
    throw new Error(
      `Conv2d: init must be "he", "xavier", a finite std >= 0 or { uniform: [low, high] }, got ${JSON.stringify(init)}`,
    );
  }
  return Tensor.randn(shape, rng, { std, dtype });
}
