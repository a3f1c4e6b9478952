// Probe for the Linear layer: forward, backward, and a numerical gradient of the student's own forward.
import { Linear } from "../../lib/layers/linear";
import { Tensor } from "../../lib/tensor/tensor";
import type { Json } from "../fixtures";
import * as wire from "./wire";

type Inputs = Record<string, Json>;

export function linearForwardBackward(inp: Inputs, w: typeof wire = wire): wire.ProbeOutputs {
  const x = w.toTensor(Tensor, inp.x, "x");
  const W = w.toTensor(Tensor, inp.W, "W");
  const b = w.toTensor(Tensor, inp.b, "b");
  const dout = w.toTensor(Tensor, inp.dout, "dout");
  const layer = new Linear(W.shape[0]!, W.shape[1]!);
  layer.weight.value.copyFrom(W);
  layer.bias!.value.copyFrom(b);
  const out = w.fromTensor(layer.forward(x), "Linear.forward's result");
  const dx = w.fromTensor(layer.backward(dout), "Linear.backward's result");
  const dW = w.fromTensor(layer.weight.grad, "Linear weight.grad");
  const db = w.fromTensor(layer.bias!.grad, "Linear bias.grad");
  const numeric = w.numericalVjp(() => layer.forward(x), x, w.tensorValues(inp.dout, "dout"));
  return { out, dx, dW, db, selfCheck: { dx: w.fromNumbers(numeric) } };
}
