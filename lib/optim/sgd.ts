import { sgdStep } from "../kernels/sgd";
import type { Parameter } from "../layers/layer";
import { checkRange, Optimizer } from "./optimizer";

export interface SGDOptions {
  lr: number;
  /** Velocity decay; 0 is plain SGD. */
  momentum?: number;
  /** Nesterov momentum (look-ahead form). */
  nesterov?: boolean;
  /** L2-style weight decay: adds weightDecay * w to the gradient (parameters with decay=true only). */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent, with optional momentum (PyTorch form, v starts at 0):
 *   g = grad + wd * w                      (L2-style weight decay, only for parameters with decay=true)
 *   plain:     w -= lr * g
 *   momentum:  v = mu * v + g;  w -= lr * v
 *   Nesterov:  v = mu * v + g;  w -= lr * (g + mu * v)   (the gradient at the look-ahead point, rewritten
 *              in terms of the current weights; its first step is (1 + mu) times plain momentum's)
 * With plain SGD, L2-style and decoupled decay coincide: each step multiplies w by (1 - lr * wd).
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: readonly Parameter[], opts: SGDOptions) {
    super(params, opts.lr);
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    checkRange("SGD", "momentum", this.momentum, 0, 1);
    checkRange("SGD", "weightDecay", this.weightDecay, 0, Infinity);
    if (this.nesterov && this.momentum <= 0) throw new Error("SGD: Nesterov momentum needs momentum > 0");
  }

  protected update(p: Parameter): void {
    const args = {
      w: p.value.data,
      g: p.grad.data,
      v: this.momentum === 0 ? null : this.slot(p, 1)[0]!.data,
      lr: this.lr,
      momentum: this.momentum,
      weightDecay: p.decay ? this.weightDecay : 0,
      nesterov: this.nesterov,
    };
    // The loop itself is sgdStepReference in lib/kernels/sgd.ts; faster kernels may run it in place.
    sgdStep(args);
  }
}
