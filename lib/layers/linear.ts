import type { DType } from "../tensor/dtype";
import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";
import { Rng } from "../random";
import { Layer, parameter, skippedInputGrad, type Parameter } from "./layer";
// BEGIN INSTRUCTOR ONLY
import { linearBackwardFast, linearForwardFast } from "./fast/linear";
import { fastPath } from "./fast/mode";
// END INSTRUCTOR ONLY

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
    this.cache = { x, outShape: [x.shape[0]!, this.outFeatures] };
    // BEGIN INSTRUCTOR ONLY fast path: one gemm on the kernels, the bias seeded into the output
    if (fastPath()) return linearForwardFast(x, this.weight.value, this.bias?.value ?? null);
    // END INSTRUCTOR ONLY
    // BEGIN SOLUTION Linear.forward (out = x W + b, with b added to every row; a layer may have no bias)
    const out = x.matmul(this.weight.value);
    return this.bias === null ? out : out.add(this.bias.value);
    // END SOLUTION
  }

  backward(dout: Tensor): Tensor {
    const { x } = this.checkBackward(this.cache, dout);
    this.checkDtype(dout, "backward", "upstream gradient");
    // BEGIN INSTRUCTOR ONLY fast path: the same products with the transposes folded into the gemm
    if (fastPath()) return linearBackwardFast(x, dout, this.weight, this.bias, this.inputGrad);
    // END INSTRUCTOR ONLY
    // BEGIN SOLUTION Linear.backward: parameter gradients (weight.grad = x^T dout, bias.grad = column sums of dout)
    this.weight.grad.copyFrom(x.T.matmul(dout));
    if (this.bias !== null) this.bias.grad.copyFrom(dout.sum(0));
    // END SOLUTION
    // The model's first layer: its input is the data, whose gradient nothing needs (Layer.inputGrad).
    if (!this.inputGrad) return skippedInputGrad(x.dtype);
    // BEGIN SOLUTION Linear.backward: input gradient (dx = dout W^T)
    return dout.matmul(this.weight.value.T);
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
