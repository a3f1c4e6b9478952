// Probe for the Linear layer: forward, backward, and a numerical gradient of the student's own forward.
import { Linear } from "../../lib/layers/linear";
import type { Json } from "../fixtures";
import { fromTensor, numericalVjp, toTensor } from "./wire";

type Inputs = Record<string, Json>;

export function linearForwardBackward(inp: Inputs): Record<string, Json> {
  const x = toTensor(inp.x, "x");
  const W = toTensor(inp.W, "W");
  const b = toTensor(inp.b, "b");
  const dout = toTensor(inp.dout, "dout");
  const layer = new Linear(W.shape[0]!, W.shape[1]!);
  layer.weight.value.copyFrom(W);
  layer.bias!.value.copyFrom(b);
  const out = fromTensor(layer.forward(x), "Linear.forward's result");
  const dx = fromTensor(layer.backward(dout), "Linear.backward's result");
  const dW = fromTensor(layer.weight.grad, "Linear weight.grad");
  const db = fromTensor(layer.bias!.grad, "Linear bias.grad");
  const selfCheck = { dx: numericalVjp(() => layer.forward(x), x, dout) };
  return { out, dx, dW, db, selfCheck };
}
