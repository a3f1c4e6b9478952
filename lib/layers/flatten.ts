import { Tensor } from "../tensor/tensor";
import { shapeStr, sizeOf } from "../tensor/shape";
import { Layer } from "./layer";

/**
 * [N, d1, d2, ...] -> [N, d1*d2*...] in row-major order; backward reshapes dout back to the input shape.
 * Both directions are views (no copy): no layer writes into its input, so sharing storage is safe.
 */
export class Flatten extends Layer {
  private cache: { inShape: readonly number[]; outShape: readonly number[] } | null = null;

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new Error(`Flatten.forward: expected a Tensor input, got ${typeof x}`);
    if (x.ndim < 2)
      throw new Error(
        `Flatten.forward: expected input of shape [N, ...] with at least 2 dimensions, got ${shapeStr(x.shape)}`,
      );
    x.assertNoNaN("Flatten.forward input");
    // Explicit size rather than -1, which is ambiguous when N = 0.
    const out = x.reshape([x.shape[0]!, sizeOf(x.shape.slice(1))]);
    this.cache = { inShape: x.shape, outShape: out.shape };
    return out;
  }

  backward(dout: Tensor): Tensor {
    const { inShape } = this.checkBackward(this.cache, dout);
    return dout.reshape(inShape);
  }
}
