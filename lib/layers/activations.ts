import { sigmoid, Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";
import { Layer } from "./layer";

/**
 * Elementwise activations. Each keeps in its cache what its derivative needs:
 *   ReLU       y = max(0, x)             dx = dout * [x > 0]          (kink at 0: checks avoid |x| < h)
 *   LeakyReLU  y = x > 0 ? x : a x       dx = dout * (x > 0 ? 1 : a)  (kink at 0)
 *   Sigmoid    y = 1 / (1 + e^-x)        dx = dout * y (1 - y)
 *   Tanh       y = tanh x                dx = dout * (1 - y^2)
 * Any shape is accepted; outputs and gradients take the input's dtype.
 */
abstract class Elementwise extends Layer {
  private cache: { saved: Tensor; outShape: readonly number[] } | null = null;

  /** Forward value of one element. */
  protected abstract f(x: number): number;
  /** Local derivative, from the saved value (the input or the output, see `savesOutput`). */
  protected abstract df(saved: number): number;
  /** Sigmoid and Tanh express their derivative through the output, which saves recomputing it. */
  protected readonly savesOutput: boolean = false;

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new Error(`${this.name}.forward: expected a Tensor input, got ${typeof x}`);
    x.assertNoNaN(`${this.name}.forward input`);
    // A plain loop over the typed arrays (not Tensor.map's callback): activations run on every
    // value of every feature map, so their per-value cost shows in a CNN's step time.
    const out = Tensor.zerosLike(x);
    const xd = x.data, od = out.data;
    for (let i = 0; i < od.length; i++) od[i] = this.f(xd[i]!);
    this.cache = { saved: this.savesOutput ? out : x, outShape: out.shape };
    return out;
  }

  backward(dout: Tensor): Tensor {
    const { saved } = this.checkBackward(this.cache, dout);
    if (dout.dtype !== saved.dtype) {
      throw new Error(`${this.name}.backward: dtype mismatch: upstream gradient ${dout.dtype} ${shapeStr(dout.shape)} vs forward ${saved.dtype} ${shapeStr(saved.shape)}`);
    }
    const dx = Tensor.zerosLike(saved);
    const s = saved.data;
    const d = dout.data;
    const dxd = dx.data;
    for (let i = 0; i < dxd.length; i++) dxd[i] = d[i]! * this.df(s[i]!);
    return dx;
  }
}

export class ReLU extends Elementwise {
  protected f(x: number): number {
    // BEGIN SOLUTION ReLU forward (max(0, x))
    return x > 0 ? x : 0;
    // END SOLUTION
  }
  protected df(x: number): number {
    // BEGIN SOLUTION ReLU backward (the local derivative: the ReLU mask)
    return x > 0 ? 1 : 0;
    // END SOLUTION
  }
}

export class LeakyReLU extends Elementwise {
  constructor(readonly slope = 0.01) {
    super();
    if (!Number.isFinite(slope)) throw new Error(`LeakyReLU: slope must be a finite number, got ${slope}`);
  }
  protected f(x: number): number { return x > 0 ? x : this.slope * x; }
  protected df(x: number): number { return x > 0 ? 1 : this.slope; }
  override describe(): string { return `LeakyReLU(${this.slope})`; }
}

export class Sigmoid extends Elementwise {
  protected override readonly savesOutput = true;
  // The shared sigmoid never evaluates e^{+large}, so saturated inputs give 0 or 1, not NaN.
  protected f(x: number): number { return sigmoid(x); }
  protected df(y: number): number { return y * (1 - y); }
}

export class Tanh extends Elementwise {
  protected override readonly savesOutput = true;
  protected f(x: number): number { return Math.tanh(x); }
  protected df(y: number): number { return 1 - y * y; }
}
