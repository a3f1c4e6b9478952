import type { Parameter } from "../layers/layer";
import { Optimizer } from "./optimizer";

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
 * Adam with bias correction (Kingma & Ba), step t = 1, 2, ...:
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
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
    for (const [name, b] of [["beta1", this.beta1], ["beta2", this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: ${name} must be in [0, 1), got ${b}`);
    }
  }

  protected update(p: Parameter): void {
    const w = p.value.data;
    const grad = p.grad.data;
    const [mT, vT] = this.slot(p, 2) as [typeof p.value, typeof p.value];
    const m = mT.data;
    const v = vT.data;
    const { beta1: b1, beta2: b2, eps, lr } = this;
    const wd = p.decay ? this.weightDecay : 0;
    const dwd = p.decay ? this.decoupledWeightDecay : 0;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    for (let i = 0; i < w.length; i++) {
      const g = grad[i]! + wd * w[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      w[i] -= (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps) + lr * dwd * w[i]!;
    }
  }
}
