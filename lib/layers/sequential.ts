import type { Tensor } from "../tensor/tensor";
import { Layer, type StateBuffer, type Parameter } from "./layer";

/** Layers applied in order; backward runs them in reverse. Parameter names get a "index.name" prefix. */
export class Sequential extends Layer {
  readonly layers: readonly Layer[];
  /** For each layer, whether one before it has parameters, so that its input's gradient is always needed. */
  private readonly afterParameters: readonly boolean[];

  constructor(...layers: Layer[]) {
    super();
    layers.forEach((layer, i) => {
      if (layer instanceof Layer) return;
      const what = Array.isArray(layer)
        ? "an array (pass the layers as separate arguments: new Sequential(a, b), or new Sequential(...list))"
        : String(layer);
      throw new Error(`Sequential: argument ${i} is not a Layer: got ${what}`);
    });
    this.layers = layers;
    let seen = false;
    this.afterParameters = layers.map((layer) => {
      const after = seen;
      seen ||= layer.parameters().length > 0;
      return after;
    });
    this.inputGrad = super.inputGrad;
  }

  /**
   * Whether this model's backward returns the gradient of its input. Setting it sets each layer's:
   * a layer's input gradient is needed only if some layer before it has parameters or the caller
   * wants this model's input gradient, so with it off a first Linear or Conv2d skips its largest
   * product, and the parameter-free layers before it are not run at all. The model decides its
   * layers' inputGrad: set this one, not theirs.
   */
  override get inputGrad(): boolean {
    return super.inputGrad;
  }
  override set inputGrad(on: boolean) {
    super.inputGrad = on;
    this.layers?.forEach((layer, i) => (layer.inputGrad = on || this.afterParameters[i]!));
  }

  forward(x: Tensor): Tensor {
    let out = x;
    for (const layer of this.layers) out = layer.forward(out);
    return out;
  }

  /** Runs the layers' backward in reverse, down to the last layer whose input's gradient is needed. */
  backward(dout: Tensor): Tensor {
    let grad = dout;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i]!;
      grad = layer.backward(grad);
      // Nothing below has parameters and nobody wants the input's gradient: stop here.
      if (!layer.inputGrad) break;
    }
    return grad;
  }

  override children(): Layer[] {
    return [...this.layers];
  }

  override parameters(): Parameter[] {
    return this.layers.flatMap((layer, i) => layer.parameters().map((p) => ({ ...p, name: `${i}.${p.name}` })));
  }

  override buffers(): StateBuffer[] {
    return this.layers.flatMap((layer, i) => layer.buffers().map((b) => ({ ...b, name: `${i}.${b.name}` })));
  }

  override describe(): string {
    return ["Sequential(", ...this.layers.map((l, i) => `  (${i}) ${l.describe()}`), ")"].join("\n");
  }
}
