// Probe for ReLU.
import { ReLU } from "../../lib/layers/activations";
import { Tensor } from "../../lib/tensor/tensor";
import type { Json } from "../fixtures";
import * as wire from "./wire";

type Inputs = Record<string, Json>;

export function reluForwardBackward(inp: Inputs, w: typeof wire = wire): wire.ProbeOutputs {
  const x = w.toTensor(Tensor, inp.x, "x");
  const dout = w.toTensor(Tensor, inp.dout, "dout");
  const layer = new ReLU();
  const out = w.fromTensor(layer.forward(x), "ReLU.forward's result");
  const dx = w.fromTensor(layer.backward(dout), "ReLU.backward's result");
  const numeric = w.numericalVjp(() => layer.forward(x), x, w.tensorValues(inp.dout, "dout"));
  return { out, dx, selfCheck: { dx: w.fromNumbers(numeric) } };
}
