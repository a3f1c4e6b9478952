import type { Storage } from "../tensor/dtype";
import { sigmoid, Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";
import { Layer } from "./layer";
// BEGIN INSTRUCTOR ONLY
import { relu, reluBackward } from "../kernels/relu";
import { fastPath } from "./fast/mode";
// END INSTRUCTOR ONLY

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

  /**
   * out[i] = f(x[i]) over the whole array. Each activation writes its own loop with f inline: a loop
   * shared by every activation would call f through a polymorphic site that V8 cannot inline (5-8x slower).
   */
  protected abstract mapValues(x: Storage, out: Storage): void;
  /** dx[i] = dout[i] * f'(x[i]), with f' expressed through the saved value (the input, or the output: `savesOutput`). */
  protected abstract mapGradients(saved: Storage, dout: Storage, dx: Storage): void;
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

  backward(dout: Tensor): Tensor {
    const { saved } = this.checkBackward(this.cache, dout);
    if (dout.dtype !== saved.dtype) {
      throw new Error(
        `${this.name}.backward: dtype mismatch: upstream gradient ${dout.dtype} ${shapeStr(dout.shape)} vs forward ${saved.dtype} ${shapeStr(saved.shape)}`,
      );
    }
    const dx = Tensor.zerosLike(saved);
    this.mapGradients(saved.data, dout.data, dx.data);
    return dx;
  }
}

export class ReLU extends Elementwise {
  protected mapValues(x: Storage, out: Storage): void {
    // BEGIN INSTRUCTOR ONLY fast path: a SIMD pass in the wasm memory, with the loop's bits
    if (fastPath()) return relu(x, out);
    // END INSTRUCTOR ONLY
    // BEGIN SOLUTION ReLU forward (out = max(0, x) entry by entry)
    for (let i = 0; i < out.length; i++) out[i] = x[i]! > 0 ? x[i]! : 0;
    // END SOLUTION
  }
  protected mapGradients(x: Storage, dout: Storage, dx: Storage): void {
    // BEGIN INSTRUCTOR ONLY fast path: a SIMD pass in the wasm memory, with the loop's bits
    if (fastPath()) return reluBackward(x, dout, dx);
    // END INSTRUCTOR ONLY
    // BEGIN SOLUTION ReLU backward (dx = dout where x > 0, else 0: the ReLU mask)
    for (let i = 0; i < dx.length; i++) dx[i] = dout[i]! * (x[i]! > 0 ? 1 : 0);
    // END SOLUTION
  }
}

export class LeakyReLU extends Elementwise {
  constructor(readonly slope = 0.01) {
    super();
    if (!Number.isFinite(slope)) throw new Error(`LeakyReLU: slope must be a finite number, got ${slope}`);
  }
  protected mapValues(x: Storage, out: Storage): void {
    const a = this.slope;
    for (let i = 0; i < out.length; i++) out[i] = x[i]! > 0 ? x[i]! : a * x[i]!;
  }
  protected mapGradients(x: Storage, dout: Storage, dx: Storage): void {
    const a = this.slope;
    for (let i = 0; i < dx.length; i++) dx[i] = dout[i]! * (x[i]! > 0 ? 1 : a);
  }
  override describe(): string {
    return `LeakyReLU(${this.slope})`;
  }
}

export class Sigmoid extends Elementwise {
  protected override readonly savesOutput = true;
  // The shared sigmoid never evaluates e^{+large}, so saturated inputs give 0 or 1, not NaN.
  protected mapValues(x: Storage, out: Storage): void {
    for (let i = 0; i < out.length; i++) out[i] = sigmoid(x[i]!);
  }
  protected mapGradients(y: Storage, dout: Storage, dx: Storage): void {
    for (let i = 0; i < dx.length; i++) dx[i] = dout[i]! * (y[i]! * (1 - y[i]!));
  }
}

export class Tanh extends Elementwise {
  protected override readonly savesOutput = true;
  protected mapValues(x: Storage, out: Storage): void {
    for (let i = 0; i < out.length; i++) out[i] = Math.tanh(x[i]!);
  }
  protected mapGradients(y: Storage, dout: Storage, dx: Storage): void {
    for (let i = 0; i < dx.length; i++) dx[i] = dout[i]! * (1 - y[i]! * y[i]!);
  }
}
