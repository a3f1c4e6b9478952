import type { Storage } from "../tensor/dtype";
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
    const out = Tensor.zerosLike(x);
    this.mapValues(x.data, out.data);
    this.cache = { saved: this.savesOutput ? out : x, outShape: out.shape };
    return out;
  }

  /**
   * out[i] = f(x[i]), and dx[i] = dout[i] * df(saved[i]): plain loops over the typed arrays, since
   * activations run on every value of every feature map. Each built-in activation repeats these two
   * one-line loops in its own class: V8 keeps call-site feedback per function, so one loop shared by
   * every activation would call f through a polymorphic site, 5-8x slower than an inlined f.
   */
  protected mapValues(x: Storage, out: Storage): void {
    for (let i = 0; i < out.length; i++) out[i] = this.f(x[i]!);
  }

  protected mapGradients(saved: Storage, dout: Storage, dx: Storage): void {
    for (let i = 0; i < dx.length; i++) dx[i] = dout[i]! * this.df(saved[i]!);
  }

  backward(dout: Tensor): Tensor {
    const { saved } = this.checkBackward(this.cache, dout);
    if (dout.dtype !== saved.dtype) {
      throw new Error(`${this.name}.backward: dtype mismatch: upstream gradient ${dout.dtype} ${shapeStr(dout.shape)} vs forward ${saved.dtype} ${shapeStr(saved.shape)}`);
    }
    const dx = Tensor.zerosLike(saved);
    this.mapGradients(saved.data, dout.data, dx.data);
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
  protected override mapValues(x: Storage, out: Storage): void { for (let i = 0; i < out.length; i++) out[i] = this.f(x[i]!); }
  protected override mapGradients(s: Storage, d: Storage, dx: Storage): void { for (let i = 0; i < dx.length; i++) dx[i] = d[i]! * this.df(s[i]!); }
}

export class LeakyReLU extends Elementwise {
  constructor(readonly slope = 0.01) {
    super();
    if (!Number.isFinite(slope)) throw new Error(`LeakyReLU: slope must be a finite number, got ${slope}`);
  }
  protected f(x: number): number { return x > 0 ? x : this.slope * x; }
  protected df(x: number): number { return x > 0 ? 1 : this.slope; }
  protected override mapValues(x: Storage, out: Storage): void { for (let i = 0; i < out.length; i++) out[i] = this.f(x[i]!); }
  protected override mapGradients(s: Storage, d: Storage, dx: Storage): void { for (let i = 0; i < dx.length; i++) dx[i] = d[i]! * this.df(s[i]!); }
  override describe(): string { return `LeakyReLU(${this.slope})`; }
}

export class Sigmoid extends Elementwise {
  protected override readonly savesOutput = true;
  // The shared sigmoid never evaluates e^{+large}, so saturated inputs give 0 or 1, not NaN.
  protected f(x: number): number { return sigmoid(x); }
  protected df(y: number): number { return y * (1 - y); }
  protected override mapValues(x: Storage, out: Storage): void { for (let i = 0; i < out.length; i++) out[i] = this.f(x[i]!); }
  protected override mapGradients(s: Storage, d: Storage, dx: Storage): void { for (let i = 0; i < dx.length; i++) dx[i] = d[i]! * this.df(s[i]!); }
}

export class Tanh extends Elementwise {
  protected override readonly savesOutput = true;
  protected f(x: number): number { return Math.tanh(x); }
  protected df(y: number): number { return 1 - y * y; }
  protected override mapValues(x: Storage, out: Storage): void { for (let i = 0; i < out.length; i++) out[i] = this.f(x[i]!); }
  protected override mapGradients(s: Storage, d: Storage, dx: Storage): void { for (let i = 0; i < dx.length; i++) dx[i] = d[i]! * this.df(s[i]!); }
}
