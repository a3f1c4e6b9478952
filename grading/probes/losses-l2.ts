// Probe for the L2 loss.
import { l2Loss } from "../../lib/losses/regression";
import type { Json } from "../fixtures";
import { fromTensor, lossNumber, toTensor } from "./wire";

type Inputs = Record<string, Json>;

export function l2(inp: Inputs): Record<string, Json> {
  const r = l2Loss(toTensor(inp.pred, "pred"), toTensor(inp.target, "target"));
  return { loss: lossNumber(r.loss, "l2Loss"), grad: fromTensor(r.grad, "l2Loss's grad") };
}
