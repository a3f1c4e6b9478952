// Probe for ReLU.
import { ReLU } from "../../lib/layers/activations";
import type { Json } from "../fixtures";
import { fromTensor, numericalVjp, toTensor } from "./wire";

type Inputs = Record<string, Json>;

export function reluForwardBackward(inp: Inputs): Record<string, Json> {
  const x = toTensor(inp.x, "x");
  const dout = toTensor(inp.dout, "dout");
  const layer = new ReLU();
  const out = fromTensor(layer.forward(x), "ReLU.forward's result");
  const dx = fromTensor(layer.backward(dout), "ReLU.backward's result");
  return { out, dx, selfCheck: { dx: numericalVjp(() => layer.forward(x), x, dout) } };
}
