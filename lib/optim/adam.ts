import type { Parameter } from "../layers/layer";
import { checkRange, Optimizer } from "./optimizer";

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2-style weight decay: added to the gradient before the moments (classic Adam + L2). */
  weightDecay?: number;
  /** Decoupled weight decay (AdamW): w -= lr * decoupledWeightDecay * w, outside the moments. */
  decoupledWeightDecay?: number;
}

/**
 * Adam with bias correction (Kingma & Ba), m = v = 0 initially, step t = 1, 2, ...:
 *   g = grad + weightDecay * w                         (L2-style: the decay goes through the moments)
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) + lr * decoupledWeightDecay * w   (AdamW)
 * Both decays apply only to parameters with decay=true. At t = 1 with |g| >> eps the step is lr * sign(g).
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupledWeightDecay: number;

  constructor(params: readonly Parameter[], opts: AdamOptions) {
    super(params, opts.lr);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupledWeightDecay = opts.decoupledWeightDecay ?? 0;
    checkRange("Adam", "beta1", this.beta1, 0, 1);
    checkRange("Adam", "beta2", this.beta2, 0, 1);
    checkRange("Adam", "eps", this.eps, 0, Infinity);
    checkRange("Adam", "weightDecay", this.weightDecay, 0, Infinity);
    checkRange("Adam", "decoupledWeightDecay", this.decoupledWeightDecay, 0, Infinity);
  }

  protected update(p: Parameter): void {
    const w = p.value.data;
    const grad = p.grad.data;
    const [mT, vT] = this.slot(p, 2);
    const m = mT!.data;
    const v = vT!.data;
    const { beta1: b1, beta2: b2, eps, lr } = this;
    const wd = p.decay ? this.weightDecay : 0;
    const dwd = p.decay ? this.decoupledWeightDecay : 0;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    for (let i = 0; i < w.length; i++) {
      const g = grad[i]! + wd * w[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      // The decoupled term uses the pre-step w, as AdamW's w *= (1 - lr * wd) before the Adam step does.
      w[i] -= (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps) + lr * dwd * w[i]!;
    }
  }
}
