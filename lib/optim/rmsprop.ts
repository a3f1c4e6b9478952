import type { Parameter } from "../layers/layer";
import { checkRange, Optimizer } from "./optimizer";

export interface RMSPropOptions {
  lr: number;
  /** Decay of the running mean of squared gradients. */
  decayRate?: number;
  eps?: number;
  /** L2-style weight decay added to the gradient. */
  weightDecay?: number;
}

/**
 * RMSProp (cs231n form, cache starts at 0):
 *   g = grad + wd * w   (L2-style weight decay, decay=true parameters only)
 *   c = rho * c + (1 - rho) * g^2;  w -= lr * g / (sqrt(c) + eps)
 */
export class RMSProp extends Optimizer {
  readonly decayRate: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(params: readonly Parameter[], opts: RMSPropOptions) {
    super(params, opts.lr);
    this.decayRate = opts.decayRate ?? 0.99;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    checkRange("RMSProp", "decayRate", this.decayRate, 0, 1);
    checkRange("RMSProp", "eps", this.eps, 0, Infinity);
    checkRange("RMSProp", "weightDecay", this.weightDecay, 0, Infinity);
  }

  protected update(p: Parameter): void {
    const w = p.value.data;
    const grad = p.grad.data;
    const cache = this.slot(p, 1)[0]!.data;
    const rho = this.decayRate;
    const wd = p.decay ? this.weightDecay : 0;
    for (let i = 0; i < w.length; i++) {
      const g = grad[i]! + wd * w[i]!;
      cache[i] = rho * cache[i]! + (1 - rho) * g * g;
      w[i] -= (this.lr * g) / (Math.sqrt(cache[i]!) + this.eps);
    }
  }
}
