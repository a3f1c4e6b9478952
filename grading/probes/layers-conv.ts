// Probes for Conv2d.
import { Conv2d } from "../../lib/layers/conv2d";
import { Tensor } from "../../lib/tensor/tensor";
import type { Json } from "../fixtures";
import * as wire from "./wire";

type Inputs = Record<string, Json>;

function conv(inp: Inputs, w: typeof wire): { layer: Conv2d; x: Tensor } {
  const x = w.toTensor(Tensor, inp.x, "x");
  const W = w.toTensor(Tensor, inp.W, "W");
  const b = w.toTensor(Tensor, inp.b, "b");
  const [f, c, kh, kw] = W.shape as [number, number, number, number];
  const layer = new Conv2d(c, f, [kh, kw], { stride: inp.stride as number, padding: inp.padding as number });
  layer.weight.value.copyFrom(W);
  layer.bias!.value.copyFrom(b);
  return { layer, x };
}

export function convForward(inp: Inputs, w: typeof wire = wire): wire.ProbeOutputs {
  const { layer, x } = conv(inp, w);
  return { out: w.fromTensor(layer.forward(x), "Conv2d.forward's result") };
}

export function convForwardBackward(inp: Inputs, w: typeof wire = wire): wire.ProbeOutputs {
  const { layer, x } = conv(inp, w);
  const dout = w.toTensor(Tensor, inp.dout, "dout");
  const out = w.fromTensor(layer.forward(x), "Conv2d.forward's result");
  const dx = w.fromTensor(layer.backward(dout), "Conv2d.backward's result");
  const dW = w.fromTensor(layer.weight.grad, "Conv2d weight.grad");
  const db = w.fromTensor(layer.bias!.grad, "Conv2d bias.grad");
  const numeric = w.numericalVjp(() => layer.forward(x), x, w.tensorValues(inp.dout, "dout"));
  return { out, dx, dW, db, selfCheck: { dx: w.fromNumbers(numeric) } };
}
