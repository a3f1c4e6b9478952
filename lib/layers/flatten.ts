import { Tensor } from "../tensor/tensor";
import { Layer } from "./layer";

/** [N, d1, d2, ...] -> [N, d1*d2*...]; backward restores the input shape. */
export class Flatten extends Layer {
  private cache: { inShape: readonly number[]; outShape: readonly number[] } | null = null;

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.ndim < 2) throw new Error(`Flatten.forward: expected [N, ...] with at least 2 dimensions, got ${x instanceof Tensor ? `[${x.shape.join(", ")}]` : typeof x}`);
    const out = x.reshape([x.shape[0]!, -1]);
    this.cache = { inShape: x.shape, outShape: out.shape };
    return out;
  }

  backward(dout: Tensor): Tensor {
    const { inShape } = this.checkBackward(this.cache, dout);
    return dout.reshape(inShape);
  }
}
