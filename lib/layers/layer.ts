import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";

/** A trainable tensor and the gradient of the loss with respect to it. */
export interface Parameter {
  readonly name: string;
  readonly value: Tensor;
  readonly grad: Tensor;
  /** False for parameters that weight decay / L2 regularisation should skip (biases, BatchNorm). */
  readonly decay: boolean;
}

/** A parameter holding a copy of `value`, with value and gradient in the kernels' own storage (Tensor.zerosForKernels). */
export function parameter(name: string, value: Tensor, decay = true): Parameter {
  const v = Tensor.zerosForKernels(value.shape, value.dtype);
  v.data.set(value.data);
  return { name, value: v, grad: Tensor.zerosForKernels(value.shape, value.dtype), decay };
}

/**
 * What backward returns instead of dL/d(input) when the layer's inputGrad is off: an empty tensor, so
 * that a layer handed it as its upstream gradient fails with a message that says why.
 */
export function skippedInputGrad(dtype: Tensor["dtype"]): Tensor {
  return Tensor.zeros([0], dtype);
}

/** Non-trainable state that is saved with the model (e.g. BatchNorm running statistics). */
export interface StateBuffer {
  readonly name: string;
  readonly value: Tensor;
}

/**
 * A layer with a hand-written forward and backward pass (cs231n style).
 *
 * `forward` keeps in a cache what `backward` needs; `backward(dout)` takes the upstream gradient
 * dL/d(output), SETS (does not accumulate) each parameter's `grad` for the last forward pass, and
 * returns dL/d(input). Layers whose behaviour differs between training and evaluation (Dropout,
 * BatchNorm) follow `training`, switched with `train()` / `eval()`.
 */
export abstract class Layer {
  training = true;
  private inputGradOn = true;

  /**
   * Whether backward computes dL/d(input). Nothing needs it for a model's first layer, whose input is
   * the data: Sequential sets it for each of its layers (off for those before which nothing has
   * parameters, when its own inputGrad is off, as the Trainer sets it), and Linear and Conv2d then
   * skip their largest product and return an empty tensor (see skippedInputGrad). Other layers ignore
   * it. (An accessor, so that a container can pass a change on to its layers.)
   */
  get inputGrad(): boolean {
    return this.inputGradOn;
  }
  set inputGrad(on: boolean) {
    this.inputGradOn = on;
  }

  abstract forward(x: Tensor): Tensor;
  abstract backward(dout: Tensor): Tensor;

  /** Human-readable name used in error messages and summaries. */
  get name(): string {
    return this.constructor.name;
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): StateBuffer[] {
    return [];
  }

  /** Layers contained in this one (Sequential overrides). */
  children(): Layer[] {
    return [];
  }

  train(on = true): this {
    this.training = on;
    for (const c of this.children()) c.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad.fill(0);
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.value.size, 0);
  }

  /** Short description for model summaries. */
  describe(): string {
    return this.name;
  }

  /** Forward-pass guard: checks the rank and the trailing dimensions the layer was built for. */
  protected checkInput(x: Tensor, expected: readonly number[], what: string): void {
    if (!(x instanceof Tensor)) throw new Error(`${this.name}.forward: expected a Tensor input, got ${typeof x}`);
    const ok = x.ndim === expected.length && expected.every((d, i) => d === -1 || d === x.shape[i]);
    if (!ok) {
      const want = shapeStr(expected).replace(/-1/g, "N");
      throw new Error(`${this.name}.forward: expected input of shape ${want} (${what}), got ${shapeStr(x.shape)}`);
    }
    x.assertNoNaN(`${this.name}.forward input`);
  }

  /**
   * Backward-pass guard: the cache must exist and dout must match the forward output's shape
   * (every cache records `outShape` for this check).
   */
  protected checkBackward<C extends { outShape: readonly number[] }>(cache: C | null, dout: Tensor): C {
    if (cache === null) throw new Error(`${this.name}.backward: called before forward (nothing cached)`);
    const outShape = cache.outShape;
    if (!(dout instanceof Tensor))
      throw new Error(`${this.name}.backward: expected a Tensor gradient, got ${typeof dout}`);
    if (dout.size === 0 && outShape.every((d) => d > 0)) {
      throw new Error(
        `${this.name}.backward: the upstream gradient is empty: the layer after this one skipped its input's gradient (its inputGrad is false)`,
      );
    }
    if (dout.ndim !== outShape.length || dout.shape.some((d, i) => d !== outShape[i])) {
      throw new Error(
        `${this.name}.backward: upstream gradient has shape ${shapeStr(dout.shape)}, expected the forward output's shape ${shapeStr(outShape)}`,
      );
    }
    return cache;
  }
}
