import type { Tensor } from "../tensor/tensor";
import { Layer, type StateBuffer, type Parameter } from "./layer";

/** Layers applied in order; backward runs them in reverse. Parameter names get a "index.name" prefix. */
export class Sequential extends Layer {
  readonly layers: Layer[];

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
  }

  forward(x: Tensor): Tensor {
    let out = x;
    for (const layer of this.layers) out = layer.forward(out);
    return out;
  }

  /**
   * Runs the layers' backward in reverse. A layer's input gradient is needed only if some layer before
   * it has parameters or the caller wants this model's input gradient (inputGrad), so during this call
   * each layer's inputGrad says exactly that (a first Linear or Conv2d skips its largest product, and
   * the parameter-free layers below it are not run); the layers' own settings are restored afterwards.
   */
  backward(dout: Tensor): Tensor {
    const own = this.layers.map((layer) => layer.inputGrad);
    let needed = this.inputGrad;
    for (const layer of this.layers) {
      layer.inputGrad = needed;
      needed ||= layer.parameters().length > 0;
    }
    try {
      let grad = dout;
      for (let i = this.layers.length - 1; i >= 0; i--) {
        const layer = this.layers[i]!;
        grad = layer.backward(grad);
        // Nothing below has parameters and nobody wants the input's gradient: stop here.
        if (!layer.inputGrad) break;
      }
      return grad;
    } finally {
      this.layers.forEach((layer, i) => (layer.inputGrad = own[i]!));
    }
  }

  override children(): Layer[] {
    return this.layers;
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
