import { kernels } from "../kernels/kernels";
import type { DType } from "../tensor/dtype";
import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";
import { Rng } from "../random";
import { Layer, parameter, skippedInputGrad, type Parameter } from "./layer";

export interface LinearOptions {
  /** Weight initialisation: "he" (default, std sqrt(2/in)), "xavier" (std sqrt(1/in)), or a fixed std. */
  init?: "he" | "xavier" | number;
  bias?: boolean;
  rng?: Rng;
  dtype?: DType;
}

/**
 * Fully connected layer: out = x W + b, with x [N, in], W [in, out], b [out].
 *   dW = x^T dout,  db = sum over the batch of dout,  dx = dout W^T.
 */
export class Linear extends Layer {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  private cache: { x: Tensor; outShape: readonly number[] } | null = null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    const init = opts.init ?? "he";
    const std = init === "he" ? Math.sqrt(2 / inFeatures) : init === "xavier" ? Math.sqrt(1 / inFeatures) : init;
    const rng = opts.rng ?? new Rng(0);
    this.weight = parameter("W", Tensor.randn([inFeatures, outFeatures], rng, { std, dtype: opts.dtype }));
    this.bias = opts.bias === false ? null : parameter("b", Tensor.zeros([outFeatures], opts.dtype), false);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, [-1, this.inFeatures], "batch x inFeatures");
    this.checkDtype(x, "forward", "input");
    // BEGIN SOLUTION Linear.forward (out = x W + b; cache what backward needs)
    const n = x.shape[0]!;
    const out = Tensor.zeros([n, this.outFeatures], x.dtype);
    if (this.bias !== null) {
      // Seed every row with the bias, then accumulate x W on top (beta = 1).
      for (let i = 0; i < n; i++) out.data.set(this.bias.value.data, i * this.outFeatures);
    }
    kernels().gemm({
      transA: false,
      transB: false,
      m: n,
      n: this.outFeatures,
      k: this.inFeatures,
      alpha: 1,
      a: x.data,
      aOffset: 0,
      lda: this.inFeatures,
      b: this.weight.value.data,
      bOffset: 0,
      ldb: this.outFeatures,
      beta: this.bias === null ? 0 : 1,
      c: out.data,
      cOffset: 0,
      ldc: this.outFeatures,
    });
    this.cache = { x, outShape: out.shape };
    return out;
    // END SOLUTION
  }

  backward(dout: Tensor): Tensor {
    // BEGIN SOLUTION Linear.backward (dW = x^T dout, db = column sums of dout, dx = dout W^T)
    const { x } = this.checkBackward(this.cache, dout);
    this.checkDtype(dout, "backward", "upstream gradient");
    const n = x.shape[0]!;
    const k = kernels();
    // dW = x^T dout
    k.gemm({
      transA: true,
      transB: false,
      m: this.inFeatures,
      n: this.outFeatures,
      k: n,
      alpha: 1,
      a: x.data,
      aOffset: 0,
      lda: this.inFeatures,
      b: dout.data,
      bOffset: 0,
      ldb: this.outFeatures,
      beta: 0,
      c: this.weight.grad.data,
      cOffset: 0,
      ldc: this.outFeatures,
    });
    // db = column sums of dout
    if (this.bias !== null) k.columnSums(dout.data, n, this.outFeatures, this.bias.grad.data);
    // dx = dout W^T (skipped when nothing needs it: the layer's input is the data)
    if (!this.inputGrad) return skippedInputGrad(x.dtype);
    const dx = Tensor.zeros(x.shape, x.dtype);
    k.gemm({
      transA: false,
      transB: true,
      m: n,
      n: this.inFeatures,
      k: this.outFeatures,
      alpha: 1,
      a: dout.data,
      aOffset: 0,
      lda: this.outFeatures,
      b: this.weight.value.data,
      bOffset: 0,
      ldb: this.outFeatures,
      beta: 0,
      c: dx.data,
      cOffset: 0,
      ldc: this.inFeatures,
    });
    return dx;
    // END SOLUTION
  }

  /** gemm needs one element type: a float32 input to a float64 layer (or back) must be converted first. */
  private checkDtype(t: Tensor, method: string, what: string): void {
    const w = this.weight.value;
    if (t.dtype !== w.dtype) {
      throw new Error(
        `${this.name}.${method}: dtype mismatch: ${what} ${t.dtype} ${shapeStr(t.shape)} vs weight ${w.dtype} ${shapeStr(w.shape)} ` +
          `(convert with .astype() or build the layer with { dtype: "${t.dtype}" })`,
      );
    }
  }

  override parameters(): Parameter[] {
    return this.bias === null ? [this.weight] : [this.weight, this.bias];
  }

  override describe(): string {
    return `Linear(${this.inFeatures} -> ${this.outFeatures}${this.bias === null ? ", no bias" : ""})`;
  }
}
