import { Rng } from "../random";
import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";
import { Layer } from "./layer";

export interface DropoutOptions {
  /** Mask generator (default: a new Rng(seed)). */
  rng?: Rng;
  /** Seed for the default generator (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Start with the mask fixed, as `fixMask()` does (for gradient checks). */
  fixedMask?: boolean;
}

/**
 * Inverted dropout: in training each unit is zeroed with probability p and the survivors are scaled
 * by 1/(1-p), so E[y] = x and evaluation is the identity.
 *   y = x * mask,  mask_i = [u_i >= p] / (1 - p),  u_i ~ U[0, 1);   dx = dout * mask.
 * The mask of the last forward is kept for backward (and readable as `mask`). For gradient checks,
 * which call forward many times, `fixMask()` keeps one mask for every later training forward, and
 * `reseed(seed)` restarts the generator so a mask can be reproduced.
 */
export class Dropout extends Layer {
  private rng: Rng;
  private frozen: boolean;
  /** The mask held while frozen (drawn by the first training forward after fixMask). */
  private held: Tensor | null = null;
  private cache: { mask: Tensor | null; outShape: readonly number[] } | null = null;

  constructor(
    readonly p: number,
    rngOrOptions: Rng | DropoutOptions = {},
  ) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p < 1))
      throw new Error(`Dropout: p (the probability of dropping a unit) must be in [0, 1), got ${p}`);
    const opts: DropoutOptions = rngOrOptions instanceof Rng ? { rng: rngOrOptions } : rngOrOptions;
    this.rng = opts.rng ?? new Rng(opts.seed ?? 0);
    this.frozen = opts.fixedMask ?? false;
  }

  /** Restarts the mask generator from `seed` and forgets any held mask, so the next mask is reproducible. */
  reseed(seed: number): this {
    this.rng = new Rng(seed);
    this.held = null;
    return this;
  }

  /** on: the next training forward draws a mask and every later one re-uses it; off: a new mask each forward. */
  fixMask(on = true): this {
    this.frozen = on;
    if (!on) this.held = null;
    return this;
  }

  /** The mask applied by the last forward (null in eval mode or with p = 0). */
  get mask(): Tensor | null {
    return this.cache?.mask ?? null;
  }

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new Error(`Dropout.forward: expected a Tensor input, got ${typeof x}`);
    x.assertNoNaN("Dropout.forward input");
    if (!this.training || this.p === 0) {
      this.cache = { mask: null, outShape: x.shape };
      return x.clone();
    }
    let mask: Tensor;
    if (this.frozen && this.held !== null) {
      mask = this.held;
      if (mask.dtype !== x.dtype || mask.shape.length !== x.ndim || mask.shape.some((d, i) => d !== x.shape[i])) {
        throw new Error(
          `Dropout.forward: the fixed mask is ${mask.dtype} ${shapeStr(mask.shape)}, got input ${x.dtype} ${shapeStr(x.shape)} (call fixMask(false) or reseed() to draw a new one)`,
        );
      }
    } else {
      mask = this.drawMask(x);
      if (this.frozen) this.held = mask;
    }
    this.cache = { mask, outShape: x.shape };
    return x.mul(mask);
  }

  backward(dout: Tensor): Tensor {
    const { mask } = this.checkBackward(this.cache, dout);
    if (mask === null) return dout.clone();
    if (dout.dtype !== mask.dtype) {
      throw new Error(
        `Dropout.backward: dtype mismatch: upstream gradient ${dout.dtype} ${shapeStr(dout.shape)} vs forward ${mask.dtype} ${shapeStr(mask.shape)}`,
      );
    }
    return dout.mul(mask);
  }

  private drawMask(x: Tensor): Tensor {
    const mask = Tensor.zeros(x.shape, x.dtype);
    const keep = 1 / (1 - this.p);
    for (let i = 0; i < mask.size; i++) mask.data[i] = this.rng.random() >= this.p ? keep : 0;
    return mask;
  }

  override describe(): string {
    return `Dropout(p=${this.p})`;
  }
}
