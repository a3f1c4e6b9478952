import { Rng } from "../random";
import { Tensor } from "../tensor/tensor";
import { Layer } from "./layer";

/**
 * Inverted dropout: in training each unit is zeroed with probability p and the survivors are scaled
 * by 1/(1-p), so the expected output equals the input and evaluation is the identity.
 *   y = x * mask,  mask_i = [u_i >= p] / (1 - p);   dx = dout * mask.
 * `fixMask()` makes the next forwards re-use one mask (for gradient checks).
 */
export class Dropout extends Layer {
  private rng: Rng;
  private frozen = false;
  private cache: { mask: Tensor | null; outShape: readonly number[] } | null = null;

  constructor(readonly p: number, rng: Rng = new Rng(0)) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
    this.rng = rng;
  }

  /** Re-seeds the mask generator. */
  reseed(seed: number): void {
    this.rng = new Rng(seed);
  }

  /** Keep using the current mask (true) or draw a new one every forward (false). */
  fixMask(on = true): void {
    this.frozen = on;
  }

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new Error(`Dropout.forward: expected a Tensor input, got ${typeof x}`);
    x.assertNoNaN("Dropout.forward input");
    if (!this.training || this.p === 0) {
      this.cache = { mask: null, outShape: x.shape };
      return x.clone();
    }
    let mask = this.frozen && this.cache?.mask && this.cache.mask.size === x.size ? this.cache.mask : null;
    if (mask === null) {
      mask = Tensor.zeros(x.shape, x.dtype);
      const keep = 1 / (1 - this.p);
      for (let i = 0; i < mask.size; i++) mask.data[i] = this.rng.random() >= this.p ? keep : 0;
    }
    this.cache = { mask, outShape: x.shape };
    return x.mul(mask);
  }

  backward(dout: Tensor): Tensor {
    const { mask } = this.checkBackward(this.cache, dout);
    return mask === null ? dout.clone() : dout.mul(mask);
  }

  override describe(): string {
    return `Dropout(p=${this.p})`;
  }
}
