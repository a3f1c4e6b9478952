// A layer with a deliberately wrong parameter gradient, for the gradient checker's tests.
import { Layer, parameter, type Parameter } from "../../lib/layers/layer";
import type { Rng } from "../../lib/random";
import type { DType } from "../../lib/tensor/dtype";
import { Tensor } from "../../lib/tensor/tensor";

/** out = x * s (s a per-feature scale); dx is right, but ds forgets to sum over the batch (uses row 0 only). */
export class WrongScale extends Layer {
  readonly s: Parameter;
  private cache: { x: Tensor; outShape: readonly number[] } | null = null;
  constructor(features: number, rng: Rng, dtype: DType = "float64") {
    super();
    this.s = parameter("s", Tensor.randn([features], rng, { dtype }));
  }
  forward(x: Tensor): Tensor {
    const out = x.mul(this.s.value);
    this.cache = { x, outShape: out.shape };
    return out;
  }
  backward(dout: Tensor): Tensor {
    const { x } = this.checkBackward(this.cache, dout);
    this.s.grad.copyFrom(dout.mul(x).slice(0, 0, 1).reshape([-1])); // should be sum over axis 0
    return dout.mul(this.s.value);
  }
  override parameters(): Parameter[] {
    return [this.s];
  }
}
