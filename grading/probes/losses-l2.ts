// Probe for the L2 loss.
import { l2Loss } from "../../lib/losses/regression";
import { Tensor } from "../../lib/tensor/tensor";
import type { Json } from "../fixtures";
import * as wire from "./wire";

type Inputs = Record<string, Json>;

export function l2(inp: Inputs, w: typeof wire = wire): wire.ProbeOutputs {
  const r = l2Loss(w.toTensor(Tensor, inp.pred, "pred"), w.toTensor(Tensor, inp.target, "target"));
  return { loss: w.lossNumber(r.loss, "l2Loss"), grad: w.fromTensor(r.grad, "l2Loss's grad") };
}
