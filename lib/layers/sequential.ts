import type { Tensor } from "../tensor/tensor";
import { Layer, type StateBuffer, type Parameter } from "./layer";

/** Layers applied in order; backward runs them in reverse. Parameter names get a "index.name" prefix. */
export class Sequential extends Layer {
  readonly layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    this.layers = layers;
  }

  forward(x: Tensor): Tensor {
    let out = x;
    for (const layer of this.layers) out = layer.forward(out);
    return out;
  }

  backward(dout: Tensor): Tensor {
    let grad = dout;
    for (let i = this.layers.length - 1; i >= 0; i--) grad = this.layers[i]!.backward(grad);
    return grad;
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
