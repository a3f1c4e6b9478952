// Probes for Conv2d.
import { Conv2d } from "../../lib/layers/conv2d";
import type { Json } from "../fixtures";
import { fromTensor, numericalVjp, toTensor } from "./wire";

type Inputs = Record<string, Json>;

function conv(inp: Inputs): { layer: Conv2d; x: ReturnType<typeof toTensor> } {
  const x = toTensor(inp.x, "x");
  const W = toTensor(inp.W, "W");
  const b = toTensor(inp.b, "b");
  const [f, c, kh, kw] = W.shape as [number, number, number, number];
  const layer = new Conv2d(c, f, [kh, kw], { stride: inp.stride as number, padding: inp.padding as number });
  layer.weight.value.copyFrom(W);
  layer.bias!.value.copyFrom(b);
  return { layer, x };
}

export function convForward(inp: Inputs): Record<string, Json> {
  const { layer, x } = conv(inp);
  return { out: fromTensor(layer.forward(x), "Conv2d.forward's result") };
}

export function convForwardBackward(inp: Inputs): Record<string, Json> {
  const { layer, x } = conv(inp);
  const dout = toTensor(inp.dout, "dout");
  const out = fromTensor(layer.forward(x), "Conv2d.forward's result");
  const dx = fromTensor(layer.backward(dout), "Conv2d.backward's result");
  return {
    out,
    dx,
    dW: fromTensor(layer.weight.grad, "Conv2d weight.grad"),
    db: fromTensor(layer.bias!.grad, "Conv2d bias.grad"),
    selfCheck: { dx: numericalVjp(() => layer.forward(x), x, dout) },
  };
}
